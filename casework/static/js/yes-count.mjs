// Progressive enhancement of the risk assessment form: keeps the count of Yes answers up to date
// as the officer answers, without reloading the page. Without it, the count is worked out when saved.
export function initYesCount (root = document) {
  for (const counter of root.querySelectorAll('[data-casework-yes-count]')) {
    const form = counter.closest('form')
    const total = Number(counter.dataset.caseworkYesCount)
    const output = counter.querySelector('[data-casework-yes-count-text]')
    if (!form || !output) continue
    const update = () => {
      const answered = form.querySelectorAll('input[type="radio"][value="yes"]:checked, input[type="radio"][value="no"]:checked').length
      const yes = form.querySelectorAll('input[type="radio"][value="yes"]:checked').length
      const missing = total - answered
      output.textContent = `You have answered Yes to ${yes} of ${total} questions` +
        (missing > 0 ? ` (${missing} not answered yet).` : '.')
    }
    form.addEventListener('change', update)
    output.hidden = false
    update()
  }
}

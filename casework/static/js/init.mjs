// Starts the GOV.UK and MOJ components on every page, then our own small enhancements.
import { initAll as initGovuk } from '/assets/govuk/govuk-frontend.min.js';
import { initAll as initMoj, FilterToggleButton } from '/assets/moj/moj-frontend.min.js';
import { initYesCount } from './yes-count.mjs';

initGovuk();
initMoj();

// MOJ filter panels (the case list): a "Show filter"/"Hide filter" button, open on wide screens.
// Without JavaScript the panel simply stays open; filtering and sorting work on the server.
document.querySelectorAll('[data-module="moj-filter"]').forEach(($filter) => {
  new FilterToggleButton($filter, { startHidden: false }); // eslint-disable-line no-new
});

// The risk form counts its yes answers as the officer answers.
initYesCount();

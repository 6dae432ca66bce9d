// Starts the GOV.UK and MOJ components on every page.
import { initAll as initGovuk } from '/assets/govuk/govuk-frontend.min.js';
import { initAll as initMoj } from '/assets/moj/moj-frontend.min.js';

initGovuk();
initMoj();

// Our own small enhancements.
import { initYesCount } from './yes-count.mjs';

initYesCount();

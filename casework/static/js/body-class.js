// Runs first in <body>: tells GOV.UK Frontend's CSS that JavaScript is available
// (the CSP forbids the usual inline snippet, so it lives here).
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');

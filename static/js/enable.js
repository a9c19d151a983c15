// Loaded first in <body>, before anything renders: tells nhsuk-frontend's CSS that JavaScript runs (and
// whether modules do), as its template's inline snippet does. A file, so no inline script is needed.
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " nhsuk-frontend-supported" : "");

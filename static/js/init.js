// Starts nhsuk-frontend's components. Its address comes from this script's data attribute, so the
// deployed, content-hashed file name is the one imported (no inline script: a strict CSP allows it).
const script = document.querySelector("script[data-nhsuk-frontend]");
const { initAll } = await import(script.dataset.nhsukFrontend);
initAll();

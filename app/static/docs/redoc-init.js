// Ours (not from npm): starts ReDoc on /redoc from a same-origin file (no inline script).
Redoc.init("schema/openapi.json", { hideDownloadButton: false }, document.getElementById("redoc"));

// Renders the OpenAPI document named by #redoc's data-spec-url; a file of
// its own so the page's Content-Security-Policy needs no inline script.
(function () {
  var el = document.getElementById("redoc");
  Redoc.init(new URL(el.dataset.specUrl, document.baseURI).href, { hideLoading: false }, el);
})();

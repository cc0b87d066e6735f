/* papershelf search page: loads the prebuilt lunr index and shows the results for ?q=.
   Record text is put into the page with textContent only, never as HTML. */
(function () {
  "use strict";

  var app = document.getElementById("search-app");
  if (!app || typeof papershelfSearch === "undefined") return;

  var input = document.getElementById("search-input");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var siteRoot = new URL(app.dataset.siteRoot, window.location.href);
  var MAX_RESULTS = 50;

  function setStatus(text) { status.textContent = text; }

  function renderResults(results) {
    list.replaceChildren();
    results.slice(0, MAX_RESULTS).forEach(function (doc) {
      var item = document.createElement("li");
      item.className = "search-result";
      var heading = document.createElement("h2");
      var link = document.createElement("a");
      link.href = new URL(doc.url, siteRoot).href;
      link.textContent = doc.title;
      heading.appendChild(link);
      var excerpt = document.createElement("p");
      excerpt.textContent = doc.excerpt;
      item.appendChild(heading);
      item.appendChild(excerpt);
      list.appendChild(item);
    });
  }

  var latest = 0; // answers may arrive out of order; only the last query's is shown

  function search(engine, text) {
    var ticket = ++latest;
    text = text.trim();
    if (!text) {
      list.replaceChildren();
      setStatus("Type to search " + engine.documentCount + " papers.");
      return Promise.resolve();
    }
    return engine.search(text).then(function (results) {
      if (ticket === latest) show(text, results);
    });
  }

  function show(text, results) {
    renderResults(results);
    var shown = Math.min(results.length, MAX_RESULTS);
    setStatus(results.length === 0 ? "No papers match “" + text + "”."
      : results.length + (results.length === 1 ? " paper matches" : " papers match") + " “" + text + "”"
        + (shown < results.length ? ", showing the first " + shown + "." : "."));
  }

  var query = new URLSearchParams(window.location.search).get("q") || "";
  input.value = query;
  setStatus("Loading the search index…");
  papershelfSearch.open(app.dataset.indexUrl)
    .then(function (engine) {
      search(engine, input.value);
      var timer = null;
      input.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () {
          var value = input.value;
          search(engine, value).then(function () {
            // The URL follows the results shown, once they are in the page.
            if (value !== input.value) return;
            var url = new URL(window.location.href);
            if (value) url.searchParams.set("q", value); else url.searchParams.delete("q");
            history.replaceState(null, "", url);
          });
        }, 80);
      });
    })
    .catch(function (error) {
      setStatus("The search index could not be loaded (" + error.message + ").");
    });
})();

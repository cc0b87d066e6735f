/* papershelf search page: loads the prebuilt lunr index and shows the results for ?q=.
   Record text is put into the page with textContent only, never as HTML. */
(function () {
  "use strict";

  var app = document.getElementById("search-app");
  if (!app || typeof lunr === "undefined") return;

  var input = document.getElementById("search-input");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var siteRoot = new URL(app.dataset.siteRoot, window.location.href);
  var MAX_RESULTS = 50;

  function setStatus(text) { status.textContent = text; }

  /* Build the query with lunr's query API so that no user input can reach the query-string
     parser (which throws on unbalanced quotes, colons, "~" and the like). */
  function runQuery(index, text) {
    var tokens = lunr.tokenizer(text);
    if (!tokens.length) return [];
    return index.query(function (query) {
      tokens.forEach(function (token) {
        var term = token.toString();
        if (!term) return;
        query.term(term, { boost: 10 });
        query.term(term, { boost: 1, wildcard: lunr.Query.wildcard.TRAILING, usePipeline: false });
      });
    });
  }

  function renderResults(payload, results) {
    list.replaceChildren();
    results.slice(0, MAX_RESULTS).forEach(function (result) {
      var doc = payload.docs[result.ref];
      if (!doc) return;
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

  function search(payload, index, text) {
    text = text.trim();
    if (!text) {
      list.replaceChildren();
      setStatus("Type to search " + Object.keys(payload.docs).length + " papers.");
      return;
    }
    var results = runQuery(index, text);
    renderResults(payload, results);
    var shown = Math.min(results.length, MAX_RESULTS);
    setStatus(results.length === 0 ? "No papers match “" + text + "”."
      : results.length + (results.length === 1 ? " paper matches" : " papers match") + " “" + text + "”"
        + (shown < results.length ? ", showing the first " + shown + "." : "."));
  }

  var query = new URLSearchParams(window.location.search).get("q") || "";
  input.value = query;
  setStatus("Loading the search index…");
  fetch(app.dataset.indexUrl)
    .then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    })
    .then(function (payload) {
      var index = lunr.Index.load(payload.index);
      search(payload, index, input.value);
      var timer = null;
      input.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () {
          var url = new URL(window.location.href);
          if (input.value) url.searchParams.set("q", input.value); else url.searchParams.delete("q");
          history.replaceState(null, "", url);
          search(payload, index, input.value);
        }, 80);
      });
    })
    .catch(function (error) {
      setStatus("The search index could not be loaded (" + error.message + ").");
    });
})();

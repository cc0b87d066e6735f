/* TEMPORARY stand-in for the search engine (branch issue3engine owns this file).
   It implements SEARCH_CONTRACT.md on today's payload (search/search_index.json: lunr index + docs)
   so the UI can be built and tested before the real engine is merged; drop this commit then. */
(function (root, factory) {
  "use strict";
  if (typeof module === "object" && module.exports) {
    module.exports = factory(require("lunr"), null);
  } else {
    root.papershelfSearch = factory(root.lunr, root.fetch ? root.fetch.bind(root) : null);
  }
})(typeof self !== "undefined" ? self : this, function (lunr, defaultFetch) {
  "use strict";

  var WORD = /[\p{L}\p{N}]+/gu;
  var opened = {};

  function queryTerms(text) {
    return (String(text).toLowerCase().match(WORD) || []).filter(function (term) {
      return term.length > 0;
    });
  }

  /* Offsets of the words of `text` that start with one of the query terms. */
  function highlights(text, terms) {
    var spans = [];
    var match;
    WORD.lastIndex = 0;
    while ((match = WORD.exec(text)) !== null) {
      var word = match[0].toLowerCase();
      if (terms.some(function (term) { return word.indexOf(term) === 0; })) {
        spans.push([match.index, match.index + match[0].length]);
      }
    }
    return spans;
  }

  function Engine(payload) {
    this.payload = payload;
    this.index = lunr.Index.load(payload.index);
    this.documentCount = Object.keys(payload.docs).length;
    this.collections = payload.config.collections;
  }

  Engine.prototype.search = function (text, options) {
    var limit = options && options.limit;
    var terms = queryTerms(text);
    var docs = this.payload.docs;
    var found = !terms.length ? [] : this.index.query(function (query) {
      terms.forEach(function (term) {
        query.term(term, { boost: 10 });
        query.term(term, { boost: 1, wildcard: lunr.Query.wildcard.TRAILING, usePipeline: false });
      });
    });
    if (limit) found = found.slice(0, limit);
    return Promise.resolve(found.map(function (hit) {
      var doc = docs[hit.ref];
      return {
        id: hit.ref,
        score: hit.score,
        title: doc.title,
        url: doc.url,
        collections: doc.collections.slice(),
        topics: [],
        titleHighlights: highlights(doc.title, terms),
        excerpt: doc.excerpt,
        excerptHighlights: highlights(doc.excerpt, terms),
      };
    }));
  };

  function open(indexUrl, options) {
    var fetchFile = (options && options.fetch) || defaultFetch;
    var key = typeof location !== "undefined" ? new URL(indexUrl, location.href).href : indexUrl;
    if (!opened[key]) {
      opened[key] = Promise.resolve(fetchFile(key))
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (payload) { return new Engine(payload); });
      opened[key].catch(function () { delete opened[key]; });
    }
    return opened[key];
  }

  return { open: open };
});

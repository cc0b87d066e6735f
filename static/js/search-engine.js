/* papershelf search engine: loads the prebuilt, partitioned lunr index and answers queries.

   The entry file (search/search_index.json) carries the settings the build used (fields, boosts,
   separator, pipeline names, stop words), the sorted vocabulary and where the term shards and
   document chunks are. A query fetches only the shards of the terms it expands to and the chunks of
   the results it returns, and is scored by lunr.js itself on a lunr.Index assembled from them, so
   it ranks exactly as the whole index would.

   Browser: window.papershelfSearch. Node: module.exports (lunr from node_modules). */
(function (root, factory) {
  "use strict";
  if (typeof module === "object" && module.exports) {
    module.exports = factory(require("lunr"));
  } else {
    root.papershelfSearch = factory(root.lunr);
  }
})(typeof self !== "undefined" ? self : this, function (lunr) {
  "use strict";

  var FORMAT_VERSION = 2;
  var EXACT_BOOST = 100;
  var PREFIX_BOOST = 10;
  var FUZZY_BOOST = 1;
  var PREFIX_MIN_CHARS = 3; // shorter beginnings would fetch a large part of the index
  var FUZZY_MIN_CHARS = 5;
  var MAX_QUERY_CHARS = 500;
  var MAX_QUERY_TERMS = 24;
  var ELLIPSIS = "\u2026";
  var WORD_CHAR = /[\p{L}\p{N}]/u;
  var MARKS = /\p{M}+/gu;

  /* ---- Text, exactly as generator/search_text.py treats it ---- */

  function TextRules(settings) {
    // The separator is one character class; its complement, repeated, is a word.
    this.word = new RegExp(settings.separator.replace(/^\[/, "[^") + "+", "g");
    this.apostrophes = new RegExp("[" + settings.apostrophes + "]", "g");
    this.stopWords = new Set(settings.stopWords);
    this.keptIn = new Set(settings.stopWordsKeptIn);
    this.stems = new Map();
  }

  /* The words of a text with their UTF-16 offsets: [[word, start, end], ...]. */
  TextRules.prototype.words = function (text) {
    var words = [], match;
    this.word.lastIndex = 0;
    while ((match = this.word.exec(text)) !== null) {
      words.push([match[0], match.index, match.index + match[0].length]);
    }
    return words;
  };

  /* papershelf-normalise: accent-free lower-case terms, the joined form first, then the parts. */
  TextRules.prototype.normalise = function (word) {
    var folded = word.normalize("NFKD").toLowerCase().replace(MARKS, "").replace(this.apostrophes, "");
    var parts = [], current = "";
    for (var i = 0; i < folded.length; i++) {
      var code = folded.charCodeAt(i);
      var char = code >= 0xd800 && code <= 0xdbff && i + 1 < folded.length
        ? folded.slice(i, ++i + 1) : folded[i];
      if (WORD_CHAR.test(char)) current += char;
      else if (current) { parts.push(current); current = ""; }
    }
    if (current) parts.push(current);
    if (parts.length <= 1) return parts;
    var terms = [parts.join("")];
    parts.forEach(function (part) { if (terms.indexOf(part) < 0) terms.push(part); });
    return terms;
  };

  TextRules.prototype.stem = function (term) {
    var stemmed = this.stems.get(term);
    if (stemmed === undefined) {
      stemmed = lunr.stemmer(new lunr.Token(term)).toString();
      this.stems.set(term, stemmed);
    }
    return stemmed;
  };

  /* The index terms of one word in one field, as the build pipeline made them. */
  TextRules.prototype.indexTerms = function (word, field) {
    var self = this, keep = this.keptIn.has(field);
    return this.normalise(word)
      .filter(function (term) { return keep || !self.stopWords.has(term); })
      .map(function (term) { return self.stem(term); });
  };

  var registered = false;
  function registerPipeline(rules, names) {
    // lunr.Index.load needs the functions named in a serialised index; the names come with it.
    if (registered || !lunr.Pipeline.registeredFunctions) return;
    var normalise = function (token) {
      return rules.normalise(token.toString()).map(function (term) {
        return token.clone(function () { return term; });
      });
    };
    var stopWords = function (token) {
      var fields = (token.metadata && token.metadata.fields) || [];
      var kept = fields.some(function (f) { return rules.keptIn.has(f); });
      return kept || !rules.stopWords.has(token.toString()) ? token : undefined;
    };
    [[normalise, names[0]], [stopWords, names[1]]].forEach(function (pair) {
      if (!(pair[1] in lunr.Pipeline.registeredFunctions)) {
        lunr.Pipeline.registerFunction(pair[0], pair[1]);
      }
    });
    registered = true;
  }

  /* ---- Queries ---- */

  /* The lunr clauses for a user's text: per term the exact stem, a trailing wildcard and, for
     longer terms, an edit distance of 1; stop words only where they are indexed. Never throws. */
  function buildClauses(engine, text) {
    var rules = engine.rules, clauses = [], seen = new Set();
    var source = String(text == null ? "" : text).slice(0, MAX_QUERY_CHARS);
    function add(clause) {
      var key = JSON.stringify(clause);
      if (!seen.has(key)) { seen.add(key); clauses.push(clause); }
    }
    var terms = [];
    rules.words(source).forEach(function (word) {
      rules.normalise(word[0]).forEach(function (term) {
        if (terms.indexOf(term) < 0) terms.push(term);
      });
    });
    terms.slice(0, MAX_QUERY_TERMS).forEach(function (term) {
      var stop = rules.stopWords.has(term);
      var fields = stop ? engine.fields.filter(function (f) { return rules.keptIn.has(f); })
        : engine.fields.slice();
      if (!fields.length) return;
      var stemmed = rules.stem(term);
      add({ term: stemmed, boost: EXACT_BOOST, fields: fields, usePipeline: false });
      if (term.length >= PREFIX_MIN_CHARS) {
        add({ term: term, boost: PREFIX_BOOST, fields: fields, usePipeline: false,
          wildcard: lunr.Query.wildcard.TRAILING });
        // A beginning the stemmer cut differently ("diffusio" of "diffusion", indexed "diffus").
        engine.stemsOfWords(lunr.TokenSet.fromString(term + "*")).forEach(function (other) {
          if (other.lastIndexOf(term, 0) !== 0) {
            add({ term: other, boost: PREFIX_BOOST, fields: fields, usePipeline: false });
          }
        });
      }
      if (!stop && term.length >= FUZZY_MIN_CHARS) {
        add({ term: stemmed, boost: FUZZY_BOOST, fields: fields, usePipeline: false,
          editDistance: 1 });
        // A typo in a part the stemmer changes ("backpropagaton" of "backpropagation").
        engine.stemsOfWords(lunr.TokenSet.fromFuzzyString(term, 1)).forEach(function (other) {
          add({ term: other, boost: FUZZY_BOOST, fields: fields, usePipeline: false });
        });
      }
    });
    return clauses;
  }

  function copyClause(clause) {
    var copy = {};
    Object.keys(clause).forEach(function (key) {
      copy[key] = Array.isArray(clause[key]) ? clause[key].slice() : clause[key];
    });
    return copy;
  }

  /* Run clauses on a lunr.Index with lunr's query API (shared with the tests). */
  function runClauses(index, clauses) {
    if (!clauses.length) return [];
    return index.query(function (query) {
      clauses.forEach(function (clause) { query.clause(copyClause(clause)); });
    });
  }

  /* ---- Highlights and excerpts ---- */

  function trimmedSpan(word) {
    var text = word[0], start = 0, end = text.length;
    while (start < end && !WORD_CHAR.test(charAt(text, start))) start += charAt(text, start).length;
    while (end > start && !WORD_CHAR.test(charBefore(text, end))) end -= charBefore(text, end).length;
    return [word[1] + start, word[1] + end];
  }

  function charAt(text, i) {
    var code = text.charCodeAt(i);
    return code >= 0xd800 && code <= 0xdbff && i + 1 < text.length ? text.slice(i, i + 2) : text[i];
  }

  function charBefore(text, end) {
    var code = text.charCodeAt(end - 1);
    return code >= 0xdc00 && code <= 0xdfff && end >= 2 ? text.slice(end - 2, end) : text[end - 1];
  }

  /* Spans [start, end) of the words of text whose index terms are among the matched ones. */
  function matchedSpans(rules, text, field, matched) {
    if (!matched.size) return [];
    var spans = [];
    rules.words(text).forEach(function (word) {
      var hit = rules.indexTerms(word[0], field).some(function (t) { return matched.has(t); });
      if (hit) {
        var span = trimmedSpan(word);
        if (span[1] > span[0]) spans.push(span);
      }
    });
    return spans;
  }

  function isSpace(text, i) { return /\s/.test(text[i]); }

  /* About `size` characters of text around the first span, cut at spaces, with "…" at cut ends. */
  function excerptAround(text, spans, size) {
    if (text.length <= size) return { text: text, spans: spans };
    var first = spans.length ? spans[0] : [0, 0];
    var start = spans.length ? Math.floor(first[0] - (size - (first[1] - first[0])) / 2) : 0;
    start = Math.max(0, Math.min(start, text.length - size, first[0]));
    var end = Math.min(text.length, Math.max(start + size, first[1]));
    if (start > 0) {
      var s = start;
      while (s < first[0] && !isSpace(text, s - 1)) s++;
      start = s;
      while (start < first[0] && isSpace(text, start)) start++;
    }
    if (end < text.length) {
      var e = end;
      while (e > first[1] && !isSpace(text, e)) e--;
      end = e;
      while (end > first[1] && isSpace(text, end - 1)) end--;
      while (end > first[1] && /[,;:]/.test(text[end - 1])) end--;
    }
    // Never cut a surrogate pair in two.
    if (start > 0 && /[\udc00-\udfff]/.test(text[start])) start--;
    if (end < text.length && /[\udc00-\udfff]/.test(text[end])) end++;
    var prefix = start > 0 ? ELLIPSIS : "";
    var suffix = end < text.length ? ELLIPSIS : "";
    var shift = prefix.length - start;
    return {
      text: prefix + text.slice(start, end) + suffix,
      spans: spans
        .filter(function (span) { return span[0] >= start && span[1] <= end; })
        .map(function (span) { return [span[0] + shift, span[1] + shift]; }),
    };
  }

  /* ---- Loading ---- */

  function defaultFetch() {
    if (typeof fetch !== "function") throw new Error("no fetch function available");
    return fetch.apply(null, arguments);
  }

  function fetchJson(fetchFn, url) {
    return Promise.resolve(fetchFn(url)).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status + " for " + url);
      return response.json();
    });
  }

  function absoluteUrl(url) {
    var base = typeof document !== "undefined" && document.baseURI ? document.baseURI
      : typeof location !== "undefined" ? location.href : undefined;
    return base ? new URL(url, base).href : new URL(url).href;
  }

  function Engine(entry, url, fetchFn) {
    if (!entry || entry.version !== FORMAT_VERSION) {
      throw new Error("unsupported search index format " + (entry && entry.version));
    }
    var config = entry.config;
    this.url = url;
    this.fetchFn = fetchFn;
    this.build = entry.build;
    this.config = config;
    this.fields = config.fields.slice();
    this.scale = config.scoreScale;
    this.excerptChars = config.excerptChars;
    this.rules = new TextRules(config.text);
    registerPipeline(this.rules, config.text.pipeline.filter(function (n) { return n !== "stemmer"; }));
    this.documentCount = entry.documentCount;
    this.collectionIds = entry.collections.map(function (c) { return c[0]; });
    this.collections = {};
    entry.collections.forEach(function (c) { this.collections[c[0]] = c[1]; }, this);
    this.memberships = entry.memberships;
    this.vocabulary = entry.vocabulary;
    this.words = entry.words;
    this.termIndex = new Map();
    this.vocabulary.forEach(function (term, i) { this.termIndex.set(term, i); }, this);
    this.shardStarts = entry.shards.starts;
    this.shardPath = entry.shards.path;
    this.chunkPath = entry.chunks.path;
    this.chunkSize = entry.chunks.size;
    this.shards = new Map(); // shard number -> Promise
    this.chunks = new Map(); // chunk number -> Promise<docs>
    this.wordSet = null;
    this.wordStems = null;
    this.index = new lunr.Index({
      invertedIndex: Object.create(null),
      fieldVectors: Object.create(null),
      tokenSet: lunr.TokenSet.fromArray(this.vocabulary),
      fields: this.fields,
      pipeline: lunr.Pipeline.load(config.text.searchPipeline),
    });
  }

  Engine.prototype.partUrl = function (pattern, number) {
    var relative = pattern.replace("{}", String(number)) + "?v=" + encodeURIComponent(this.build);
    return new URL(relative, this.url).href;
  };

  /* Stems of the indexed words that a lunr token set of words matches: the words the stemmer
     changed ("diffusion" of "diffus"), so that beginnings and typos of them are found too. */
  Engine.prototype.stemsOfWords = function (pattern) {
    if (this.wordSet === null) {
      var stems = new Map(), vocabulary = this.vocabulary;
      this.words.forEach(function (forms, stemIndex) {
        if (forms) forms.split(" ").forEach(function (word) { stems.set(word, vocabulary[stemIndex]); });
      });
      this.wordStems = stems;
      this.wordSet = lunr.TokenSet.fromArray(Array.from(stems.keys()).sort());
    }
    var found = [], self = this;
    this.wordSet.intersect(pattern).toArray().forEach(function (word) {
      var stem = self.wordStems.get(word);
      if (found.indexOf(stem) < 0) found.push(stem);
    });
    return found.sort();
  };

  Engine.prototype.shardOf = function (termIndex) {
    var low = 0, high = this.shardStarts.length - 1;
    while (low < high) {
      var mid = (low + high + 1) >> 1;
      if (this.shardStarts[mid] <= termIndex) low = mid; else high = mid - 1;
    }
    return low;
  };

  /* The terms of the whole vocabulary a clause expands to, as lunr's Index.query expands it. */
  Engine.prototype.expand = function (clauses) {
    var query = new lunr.Query(this.fields), terms = new Set(), self = this;
    clauses.forEach(function (clause) { query.clause(copyClause(clause)); });
    query.clauses.forEach(function (clause) {
      self.index.tokenSet.intersect(lunr.TokenSet.fromClause(clause)).toArray()
        .forEach(function (term) { terms.add(term); });
    });
    return terms;
  };

  Engine.prototype.loadShard = function (number) {
    var self = this;
    if (!this.shards.has(number)) {
      var promise = fetchJson(this.fetchFn, this.partUrl(this.shardPath, number))
        .then(function (rows) { self.addShard(number, rows); });
      promise.catch(function () { self.shards.delete(number); });
      this.shards.set(number, promise);
    }
    return this.shards.get(number);
  };

  /* Put a shard's postings into the lunr.Index: posting objects and field-vector entries. */
  Engine.prototype.addShard = function (number, rows) {
    var start = this.shardStarts[number], fields = this.fields, scale = this.scale;
    var inverted = this.index.invertedIndex, vectors = this.index.fieldVectors;
    for (var r = 0; r < rows.length; r++) {
      var termIndex = start + r, posting = { _index: termIndex };
      for (var f = 0; f < fields.length; f++) {
        var gaps = rows[r][2 * f], scores = rows[r][2 * f + 1], docs = {}, doc = 0;
        for (var i = 0; i < gaps.length; i++) {
          doc += gaps[i];
          docs[doc] = {};
          var fieldRef = fields[f] + "/" + doc;
          var vector = vectors[fieldRef] || (vectors[fieldRef] = new lunr.Vector());
          vector.insert(termIndex, scores[i] / scale);
        }
        posting[fields[f]] = docs;
      }
      inverted[this.vocabulary[termIndex]] = posting;
    }
  };

  Engine.prototype.loadChunk = function (number) {
    var self = this;
    if (!this.chunks.has(number)) {
      var promise = fetchJson(this.fetchFn, this.partUrl(this.chunkPath, number));
      promise.catch(function () { self.chunks.delete(number); });
      this.chunks.set(number, promise);
    }
    return this.chunks.get(number);
  };

  /* lunr's own results for a text, after fetching the shards its clauses need. */
  Engine.prototype.lunrResults = function (text) {
    var self = this, clauses;
    try {
      clauses = buildClauses(this, text);
    } catch (error) {
      clauses = []; // a bug must not break the search box; no clause means no results
    }
    var shards = new Set();
    this.expand(clauses).forEach(function (term) {
      shards.add(self.shardOf(self.termIndex.get(term)));
    });
    return Promise.all(Array.from(shards, function (n) { return self.loadShard(n); }))
      .then(function () { return runClauses(self.index, clauses); });
  };

  /* Results best first. Options: `limit` and `offset` (a page of the matches), `collections`
     (ids: keep matches in any of them). The array also carries `total` (matches in the chosen
     collections), `unfiltered` (every match) and `facets` ({collection id: matches in it, over
     every match}); none of these needs a document chunk, so a caller can ask for one small page
     and still count everything. */
  Engine.prototype.search = function (text, options) {
    var self = this;
    options = options || {};
    var limit = options.limit >= 0 ? options.limit : Infinity;
    var offset = options.offset > 0 ? options.offset : 0;
    var wanted = options.collections && options.collections.length ? options.collections : null;
    return this.lunrResults(text).then(function (all) {
      var facets = {};
      self.collectionIds.forEach(function (id) { facets[id] = 0; });
      var matching = [];
      all.forEach(function (r) {
        var ids = (self.memberships[Number(r.ref)] || []).map(function (n) { return self.collectionIds[n]; });
        ids.forEach(function (id) { facets[id]++; });
        if (!wanted || ids.some(function (id) { return wanted.indexOf(id) >= 0; })) matching.push(r);
      });
      var results = matching.slice(offset, offset + limit);
      var chunkNumbers = new Set(results.map(function (r) {
        return Math.floor(Number(r.ref) / self.chunkSize);
      }));
      return Promise.all(Array.from(chunkNumbers, function (n) { return self.loadChunk(n); }))
        .then(function () { return Promise.all(results.map(function (r) { return self.result(r); })); })
        .then(function (shown) {
          shown.total = matching.length;
          shown.unfiltered = all.length;
          shown.facets = facets;
          return shown;
        });
    });
  };

  Engine.prototype.result = function (lunrResult) {
    var self = this, doc = Number(lunrResult.ref);
    return this.loadChunk(Math.floor(doc / this.chunkSize)).then(function (chunk) {
      var record = chunk[doc % self.chunkSize];
      var matched = {};
      self.fields.forEach(function (field) { matched[field] = new Set(); });
      var metadata = lunrResult.matchData.metadata;
      Object.keys(metadata).forEach(function (term) {
        Object.keys(metadata[term]).forEach(function (field) {
          if (matched[field]) matched[field].add(term);
        });
      });
      var abstract = record[3];
      var excerpt = excerptAround(abstract,
        matchedSpans(self.rules, abstract, "abstract", matched.abstract), self.excerptChars);
      return {
        id: record[0],
        score: lunrResult.score,
        title: record[1],
        url: record[2],
        collections: record[4].map(function (n) { return self.collectionIds[n]; }),
        topics: [],
        titleHighlights: matchedSpans(self.rules, record[1], "title", matched.title),
        excerpt: excerpt.text,
        excerptHighlights: excerpt.spans,
      };
    });
  };

  /* ---- Public API ---- */

  var opened = new Map();

  function open(indexUrl, options) {
    var fetchFn = (options && options.fetch) || defaultFetch;
    var url;
    try {
      url = absoluteUrl(indexUrl);
    } catch (error) {
      return Promise.reject(error);
    }
    if (!opened.has(url)) {
      var promise = Promise.resolve()
        .then(function () {
          if (!lunr) throw new Error("lunr.js is not loaded");
          return fetchJson(fetchFn, url);
        })
        .then(function (entry) { return new Engine(entry, url, fetchFn); });
      promise.catch(function () { opened.delete(url); }); // a failed load may be retried
      opened.set(url, promise);
    }
    return opened.get(url);
  }

  return {
    open: open,
    // For tests: the query built for a text, and how it runs on any lunr.Index.
    buildClauses: function (engine, text) { return buildClauses(engine, text); },
    runClauses: runClauses,
  };
});

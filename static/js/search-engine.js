/* papershelf search engine: reads the prebuilt, partitioned index and ranks papers by evidence.

   The design, and why the ranking is papershelf's own rather than lunr.Index.query, is in
   docs/search.md. In short: a query is a list of *concepts* (a word, a "quoted phrase", each
   possibly excluded with -); a paper's score is BM25F over the concepts it matches, where a concept
   is matched by its exact form, another form of its stem, a beginning of a longer word or, when
   none of those exists, a one-letter typo; papers matching every word of the query rank first.
   lunr.js provides the stemmer and the token sets that expand beginnings and typos.

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

  var FORMAT_VERSION = 4;
  // How much a match counts, by how the query word was found (docs/search.md, "Ranking").
  var WEIGHT = { exact: 1, stemmed: 0.7, joined: 1, prefix: 0.5, typo: 0.3 };
  var PREFIX_MIN_CHARS = 3; // shorter beginnings would fetch a large part of the index
  var TYPO_MIN_CHARS = 5;
  var SPLIT_MIN_CHARS = 3; // "oversquashing" may be "over squashing", but not "o versquashing"
  var MAX_SPLITS = 3;
  var MAX_QUERY_CHARS = 500;
  var MAX_CONCEPTS = 16;
  var ELLIPSIS = "\u2026";
  var WORD_CHAR = /[\p{L}\p{N}]/u;
  var MARKS = /\p{M}+/gu;
  var QUOTES = /[\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033]/g;
  var MINUS = /^[-\u2212\u2013]/;

  /* ---- Text, exactly as generator/search/text.py treats it ---- */

  function TextRules(settings) {
    // The separator is one character class; its complement, repeated, is a word.
    this.word = new RegExp(settings.separator.replace(/^\[/, "[^") + "+", "g");
    this.apostrophes = new RegExp("[" + settings.apostrophes + "]", "g");
    this.latexAccent = new RegExp(settings.latex[0], "g");
    this.latexLetter = new RegExp(settings.latex[1], "g");
    this.latexBraces = new RegExp(settings.latex[2], "g");
    this.stopWords = new Set(settings.stopWords);
    this.keptIn = new Set(settings.stopWordsKeptIn);
    var spelling = settings.spelling;
    this.pairs = new Map(spelling.pairs);
    this.suffixes = new Set(spelling.suffixes);
    this.iseWords = new Set(spelling.iseWords);
    this.iseEnding = new RegExp(spelling.iseEnding);
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

  TextRules.prototype.unlatex = function (word) {
    word = word.replace(this.latexAccent, function (m, a, b) { return a || b; });
    word = word.replace(this.latexLetter, function (m, letters) { return letters; });
    return word.replace(this.latexBraces, "");
  };

  /* papershelf-normalise: accent-free lower-case terms, the joined form first, then the parts. */
  TextRules.prototype.normalise = function (word) {
    if (word.indexOf("\\") >= 0) word = this.unlatex(word);
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

  /* papershelf-spelling: the American spelling of a normalised term (generator/search/spelling.py). */
  TextRules.prototype.american = function (term) {
    for (var end = term.length; end > 3; end--) {
      var start = this.pairs.get(term.slice(0, end));
      if (start !== undefined && this.suffixes.has(term.slice(end))) return start + term.slice(end);
    }
    var match = this.iseEnding.exec(term);
    if (!match) return term;
    var base = match[1] + match[2] + "se";
    if (this.iseWords.has(base) || /(wise|noise)$/.test(base)) return term;
    return match[1] + match[2] + "z" + match[3];
  };

  TextRules.prototype.stem = function (form) {
    var stemmed = this.stems.get(form);
    if (stemmed === undefined) {
      stemmed = lunr.stemmer(new lunr.Token(form)).toString();
      this.stems.set(form, stemmed);
    }
    return stemmed;
  };

  /* The forms an index keeps of one word in one field (stop words dropped unless kept). */
  TextRules.prototype.indexForms = function (word, field) {
    var self = this, keep = this.keptIn.has(field);
    return this.normalise(word)
      .filter(function (term) { return keep || !self.stopWords.has(term); })
      .map(function (term) { return self.american(term); });
  };

  TextRules.prototype.indexTerms = function (word, field) {
    var self = this;
    return this.indexForms(word, field).map(function (form) { return self.stem(form); });
  };

  /* A field's words as the index numbers them: [[index terms], start, end] per word that has a
     position (a word of no letters or digits has none). */
  TextRules.prototype.positioned = function (text, field) {
    var self = this, out = [];
    this.words(text).forEach(function (word) {
      if (self.normalise(word[0]).length) {
        out.push([self.indexTerms(word[0], field), word[1], word[2]]);
      }
    });
    return out;
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
    var spelling = function (token) {
      return token.update(function (term) { return rules.american(term); });
    };
    [[normalise, names[0]], [stopWords, names[1]], [spelling, names[2]]].forEach(function (pair) {
      if (!(pair[1] in lunr.Pipeline.registeredFunctions)) {
        lunr.Pipeline.registerFunction(pair[0], pair[1]);
      }
    });
    registered = true;
  }

  /* ---- Query syntax: words, "phrases", -exclusions; anything malformed is read as words ---- */

  /* The parts of a query: [{words: [word], phrase: bool, negated: bool}], in order, and whether
     its text ends inside a word (the last word may still be being typed). */
  function parseQuery(rules, text) {
    var source = String(text == null ? "" : text).slice(0, MAX_QUERY_CHARS).replace(QUOTES, '"');
    var parts = [], at = 0;
    function plain(chunk, negated) {
      rules.words(chunk).forEach(function (word) {
        var hasLetters = rules.normalise(word[0]).length > 0;
        if (hasLetters) parts.push({ words: [word[0]], phrase: false, negated: negated });
      });
    }
    while (at < source.length) {
      while (at < source.length && /\s/.test(source[at])) at++;
      if (at >= source.length) break;
      var negated = MINUS.test(source.slice(at)) && at + 1 < source.length && !/\s/.test(source[at + 1]);
      var start = negated ? at + 1 : at;
      if (source[start] === '"' && source.indexOf('"', start + 1) > start) {
        var close = source.indexOf('"', start + 1);
        var words = rules.words(source.slice(start + 1, close)).map(function (w) { return w[0]; })
          .filter(function (w) { return rules.normalise(w).length > 0; });
        if (words.length) parts.push({ words: words, phrase: true, negated: negated });
        at = close + 1;
        continue;
      }
      var end = at;
      while (end < source.length && !/\s/.test(source[end])) end++;
      plain(source.slice(start, end).replace(/"/g, " "), negated);
      at = end;
    }
    return { parts: parts.slice(0, MAX_CONCEPTS), typing: /[^\s"]$/.test(source) };
  }

  /* ---- Concepts: what a query word or phrase can be matched by ---- */

  /* One query word: its form, stem and parts ("over-squashing": form "oversquashing", parts
     "over", "squashing"), and whether it is a stop word. */
  function queryWord(rules, word) {
    var terms = rules.normalise(word);
    var form = rules.american(terms[0]);
    return {
      text: word,
      raw: terms[0],
      form: form,
      stem: rules.stem(form),
      parts: terms.slice(1).map(function (t) { return rules.stem(rules.american(t)); }),
      stop: terms.length === 1 && rules.stopWords.has(terms[0]),
    };
  }

  /* A phrase's words without the stop words at its ends, which match any word; a phrase of stop
     words only keeps them all as words (titles index them). */
  function phraseWords(words) {
    var first = 0, last = words.length - 1;
    while (first <= last && words[first].stop) first++;
    while (last >= first && words[last].stop) last--;
    if (first > last) {
      return words.map(function (w) { return Object.assign({}, w, { stop: false }); });
    }
    return words.slice(first, last + 1);
  }

  /* Alternatives: {kind, terms: [stem], sequence: bool, form}. A sequence is matched by its
     terms at consecutive positions (or all in one hyphenated word); others by any occurrence. */
  function single(kind, stem, form) { return { kind: kind, terms: [stem], sequence: false, form: form }; }
  function sequence(kind, stems) { return { kind: kind, terms: stems, sequence: true }; }

  function Concept(engine, part, index, count, typing) {
    var rules = engine.rules;
    this.engine = engine;
    this.negated = part.negated;
    var words = part.words.map(function (w) { return queryWord(rules, w); });
    if (part.phrase) words = phraseWords(words);
    this.words = words;
    this.phrase = part.phrase && words.length > 1;
    this.exactOnly = part.phrase || part.negated;
    this.stop = this.words.every(function (w) { return w.stop; });
    this.prefixable = !this.exactOnly && index === count - 1 && typing;
    this.alternatives = [];
    this.typos = false;
  }

  /* The alternatives of a one-word concept that need no typo correction. */
  Concept.prototype.expand = function (engine, next) {
    if (this.phrase) {
      // "state of the art" is also the one word "state-of-the-art" (indexed "stateoftheart").
      var whole = engine.joinedStem(this.words);
      if (whole) this.alternatives.push(single("joined", whole));
      return;
    }
    var word = this.words[0], alts = this.alternatives, vocabulary = engine.termIndex;
    alts.push(single("exact", word.stem, word.form));
    if (word.parts.length) alts.push(sequence("joined", word.parts));
    if (!this.exactOnly) {
      engine.splits(word).forEach(function (stems) { alts.push(sequence("joined", stems)); });
      if (next && !next.negated && !next.phrase && !word.stop) {
        // "over squashing" is also "oversquashing"; the joined word counts for both words.
        var joined = engine.joinedStem([word, next.words[0]]);
        if (joined) {
          alts.push(single("joined", joined));
          next.alternatives.push(single("joined", joined));
        }
      }
    }
    var known = vocabulary.has(word.stem) || word.parts.length > 0;
    if (!this.exactOnly && word.raw.length >= PREFIX_MIN_CHARS && (this.prefixable || !known)) {
      engine.completions(word).forEach(function (stem) {
        if (stem !== word.stem) alts.push(single("prefix", stem));
      });
    }
  };

  Concept.prototype.addTypos = function (engine) {
    var word = this.words[0], alts = this.alternatives;
    if (this.phrase || this.exactOnly || word.stop || word.raw.length < TYPO_MIN_CHARS) return;
    this.typos = true;
    engine.corrections(word).forEach(function (stem) { alts.push(single("typo", stem)); });
  };

  /* Every stem the concept's alternatives and phrase words name. */
  Concept.prototype.stems = function () {
    var stems = [];
    this.alternatives.forEach(function (alt) { stems.push.apply(stems, alt.terms); });
    if (this.phrase) {
      this.words.forEach(function (w) {
        if (!w.stop) stems.push.apply(stems, [w.stem].concat(w.parts));
      });
      this.joins().forEach(function (join) { if (join) stems.push(join); });
    }
    return stems;
  };

  /* For a phrase: per pair of neighbouring words, the stem of the two joined, or null. */
  Concept.prototype.joins = function () {
    if (this.joinStems) return this.joinStems;
    var words = this.words, engine = this.engine;
    this.joinStems = words.slice(1).map(function (next, i) {
      return words[i].stop || next.stop ? null : engine.joinedStem([words[i], next]);
    });
    return this.joinStems;
  };

  /* The slots of a phrase or a sequence for the position matcher: per word its alternatives. */
  Concept.prototype.slots = function (alt) {
    if (alt) return alt.terms.map(function (t) { return { stop: false, terms: [[t]] }; });
    return this.words.map(function (w) {
      return { stop: w.stop, terms: w.parts.length ? [[w.stem], w.parts] : [[w.stem]] };
    });
  };


  /* ---- Positions: does a run of slots occur at consecutive word positions? ---- */

  /* Where slots (each {stop, terms: [[stem, ...], ...]}) occur in a field, given `places` (a Map
     from stem to its word positions there): the [start, end) positions of every occurrence. A
     stop-word slot matches any word; an alternative of several stems matches them at consecutive
     positions or all in one word (the parts of "over-squashing"); joins[i], when set, is a stem
     matching slots i and i + 1 in one word. */
  function occurrences(slots, joins, places) {
    var sets = new Map();
    function has(stem, p) {
      if (!sets.has(stem)) sets.set(stem, new Set(places.get(stem) || []));
      return sets.get(stem).has(p);
    }
    function at(i, p) {
      if (i >= slots.length) return p;
      var slot = slots[i];
      if (slot.stop) return at(i + 1, p + 1);
      var end;
      if (joins && joins[i] && has(joins[i], p) && (end = at(i + 2, p + 1)) >= 0) return end;
      for (var a = 0; a < slot.terms.length; a++) {
        var stems = slot.terms[a];
        var inOneWord = stems.every(function (t) { return has(t, p); });
        if (inOneWord && (end = at(i + 1, p + 1)) >= 0) return end;
        var inARow = stems.length > 1 && stems.every(function (t, j) { return has(t, p + j); });
        if (inARow && (end = at(i + 1, p + stems.length)) >= 0) return end;
      }
      return -1;
    }
    var found = [];
    startCandidates(slots, joins, places).forEach(function (start) {
      var end = start >= 0 ? at(0, start) : -1;
      if (end >= 0) found.push([start, end]);
    });
    return found;
  }

  /* The positions where a run of slots could start: those of its first word's stems. */
  function startCandidates(slots, joins, places) {
    var starts = new Set();
    var first = 0;
    while (first < slots.length && slots[first].stop) first++;
    if (first >= slots.length) return [];
    var stems = [];
    slots[first].terms.forEach(function (alt) { stems.push(alt[0]); });
    if (joins && joins[first]) stems.push(joins[first]);
    stems.forEach(function (stem) {
      (places.get(stem) || []).forEach(function (p) { starts.add(p - first); });
    });
    return Array.from(starts).sort(function (a, b) { return a - b; });
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

  /* A term's postings in one field: docs ascending, length-normalised tfs, form masks or null,
     and, once its position file is loaded, each posting's positions. */
  function FieldPostings(gaps, tfs, masks, scale) {
    var docs = new Int32Array(gaps.length), doc = 0;
    for (var i = 0; i < gaps.length; i++) { doc += gaps[i]; docs[i] = doc; }
    this.docs = docs;
    this.tfs = Float64Array.from(tfs, function (t) { return t / scale; });
    this.masks = masks ? Int32Array.from(masks) : null;
    this.places = null;
  }

  FieldPostings.prototype.find = function (doc) {
    var low = 0, high = this.docs.length - 1;
    while (low <= high) {
      var mid = (low + high) >> 1, value = this.docs[mid];
      if (value === doc) return mid;
      if (value < doc) low = mid + 1; else high = mid - 1;
    }
    return -1;
  };

  FieldPostings.prototype.setPlaces = function (flat) {
    var places = [], at = 0;
    for (var i = 0; i < this.docs.length; i++) {
      var count = flat[at++], list = [], position = 0;
      for (var j = 0; j < count; j++) { position += flat[at++]; list.push(position); }
      places.push(list);
    }
    this.places = places;
  };

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
    this.weights = this.fields.map(function (f) { return config.weights[f]; });
    this.excerptChars = config.excerptChars;
    this.rules = new TextRules(config.text);
    registerPipeline(this.rules, config.text.pipeline.filter(function (n) { return n !== "stemmer"; }));
    this.documentCount = entry.documentCount;
    this.collectionIds = entry.collections.map(function (c) { return c[0]; });
    this.collections = {};
    entry.collections.forEach(function (c) { this.collections[c[0]] = c[1]; }, this);
    // Topics (slug, title) in site order; a paper's chunk record lists its topic numbers.
    this.topicIds = (entry.topics || []).map(function (t) { return t[0]; });
    this.topics = {};
    (entry.topics || []).forEach(function (t) { this.topics[t[0]] = t[1]; }, this);
    this.memberships = entry.memberships;
    this.vocabulary = entry.vocabulary;
    this.formCodes = entry.forms;
    this.termIndex = new Map();
    this.vocabulary.forEach(function (term, i) { this.termIndex.set(term, i); }, this);
    this.shardStarts = entry.shards.starts;
    this.shardPath = entry.shards.path;
    this.positionsPath = entry.positions.path;
    this.chunkPath = entry.chunks.path;
    this.chunkSize = entry.chunks.size;
    this.shards = new Map(); // shard number -> Promise
    this.positionFiles = new Map(); // shard number -> Promise
    this.chunks = new Map(); // chunk number -> Promise<papers>
    this.postings = new Map(); // term number -> [FieldPostings per field]
    this.tokenSet = lunr.TokenSet.fromArray(this.vocabulary);
    this.formSet = null;
    this.formStems = null;
  }

  Engine.prototype.partUrl = function (pattern, number) {
    var relative = pattern.replace("{}", String(number)) + "?v=" + encodeURIComponent(this.build);
    return new URL(relative, this.url).href;
  };

  /* The forms of a stem, in the bit order of its postings' form masks (forms_code in payload.py). */
  Engine.prototype.formsOf = function (termIndex) {
    var stem = this.vocabulary[termIndex], code = this.formCodes[termIndex];
    if (!code) return [stem];
    return code.split(" ").map(function (c) {
      if (c === "=") return stem;
      var dot = c.indexOf(".");
      if (dot > 0 && /^\d+$/.test(c.slice(0, dot))) {
        return stem.slice(0, stem.length - Number(c.slice(0, dot))) + c.slice(dot + 1);
      }
      return stem + c;
    });
  };

  /* The stems of the forms a lunr token set matches ("diffusio*" matches the form "diffusion" of
     the stem "diffus"), so that beginnings and typos of written words are found too. */
  Engine.prototype.stemsOfForms = function (pattern) {
    if (this.formSet === null) {
      var stems = new Map();
      for (var i = 0; i < this.vocabulary.length; i++) {
        if (!this.formCodes[i]) continue;
        this.formsOf(i).forEach(function (form) {
          if (!stems.has(form)) stems.set(form, []);
          stems.get(form).push(this.vocabulary[i]);
        }, this);
      }
      this.formStems = stems;
      this.formSet = lunr.TokenSet.fromArray(Array.from(stems.keys()).sort());
    }
    var found = [], self = this;
    this.formSet.intersect(pattern).toArray().forEach(function (form) {
      self.formStems.get(form).forEach(function (stem) { found.push(stem); });
    });
    return found;
  };

  Engine.prototype.stemsMatching = function (pattern) {
    return this.tokenSet.intersect(pattern).toArray().concat(this.stemsOfForms(pattern));
  };

  /* The stems of the words a query word begins: its form, as typed and in the other spelling. */
  Engine.prototype.completions = function (word) {
    var prefixes = [word.form, word.raw, word.raw.replace(/([iy])s([a-z]{0,5})$/, "$1z$2"),
      word.raw.replace(/our([a-z]{0,4})$/, "or$1")];
    var stems = new Set(), self = this;
    prefixes.forEach(function (prefix) {
      if (prefix.length < PREFIX_MIN_CHARS) return;
      self.stemsMatching(lunr.TokenSet.fromString(prefix + "*")).forEach(function (stem) {
        stems.add(stem);
      });
    });
    return Array.from(stems).sort();
  };

  /* The stems one typo away from a query word's stem or form. */
  Engine.prototype.corrections = function (word) {
    var stems = new Set(this.tokenSet.intersect(lunr.TokenSet.fromFuzzyString(word.stem, 1)).toArray());
    this.stemsOfForms(lunr.TokenSet.fromFuzzyString(word.form, 1)).forEach(function (stem) {
      stems.add(stem);
    });
    stems.delete(word.stem);
    return Array.from(stems).sort();
  };

  /* Ways a word written whole may be written in two: at a letter-digit boundary ("gpt4") or
     between two indexed words ("oversquashing"), as stem pairs. */
  Engine.prototype.splits = function (word) {
    if (word.parts.length || word.stop) return [];
    var raw = word.raw, rules = this.rules, self = this, found = [], seen = new Set();
    function tryAt(i, minimum) {
      var left = raw.slice(0, i), right = raw.slice(i);
      if (left.length < minimum || right.length < minimum) return;
      if (rules.stopWords.has(left) || rules.stopWords.has(right)) return;
      var stems = [rules.stem(rules.american(left)), rules.stem(rules.american(right))];
      var key = stems.join(" ");
      if (!seen.has(key) && stems.every(function (s) { return self.termIndex.has(s); })) {
        seen.add(key);
        found.push(stems);
      }
    }
    var boundary = /(?<=\p{L})(?=\p{N})|(?<=\p{N})(?=\p{L})/gu, match;
    while ((match = boundary.exec(raw)) !== null) {
      tryAt(match.index, 1);
      boundary.lastIndex++;
    }
    // From the middle outwards: balanced splits are the likelier compounds.
    var middle = raw.length >> 1;
    for (var d = 0; d <= middle && found.length < MAX_SPLITS; d++) {
      tryAt(middle - d, SPLIT_MIN_CHARS);
      if (d) tryAt(middle + d, SPLIT_MIN_CHARS);
    }
    return found.slice(0, MAX_SPLITS);
  };

  /* The indexed stem of query words written as one ("over" "squashing": "oversquash"), or null. */
  Engine.prototype.joinedStem = function (words) {
    var joined = words.map(function (w) { return w.raw; }).join("");
    var stem = this.rules.stem(this.rules.american(joined));
    return this.termIndex.has(stem) ? stem : null;
  };

  Engine.prototype.shardOf = function (termIndex) {
    var low = 0, high = this.shardStarts.length - 1;
    while (low < high) {
      var mid = (low + high + 1) >> 1;
      if (this.shardStarts[mid] <= termIndex) low = mid; else high = mid - 1;
    }
    return low;
  };

  Engine.prototype.loadPart = function (cache, pattern, number, use) {
    var self = this;
    if (!cache.has(number)) {
      var promise = fetchJson(this.fetchFn, this.partUrl(pattern, number))
        .then(function (rows) { use.call(self, number, rows); return rows; });
      promise.catch(function () { cache.delete(number); });
      cache.set(number, promise);
    }
    return cache.get(number);
  };

  Engine.prototype.addShard = function (number, rows) {
    var start = this.shardStarts[number], fields = this.fields, scale = this.config.tfScale;
    for (var r = 0; r < rows.length; r++) {
      var row = rows[r], perField = [], several = row.length > 2 * fields.length;
      for (var f = 0; f < fields.length; f++) {
        var masks = several ? row[2 * fields.length + f] : null;
        perField.push(new FieldPostings(row[2 * f], row[2 * f + 1], masks, scale));
      }
      this.postings.set(start + r, perField);
    }
  };

  Engine.prototype.addPositions = function (number, rows) {
    var start = this.shardStarts[number];
    for (var r = 0; r < rows.length; r++) {
      var perField = this.postings.get(start + r);
      for (var f = 0; f < perField.length; f++) perField[f].setPlaces(rows[r][f]);
    }
  };

  /* Fetch the shards (and, with positions, the position files) holding these stems. */
  Engine.prototype.load = function (stems, positions) {
    var self = this, numbers = new Set();
    stems.forEach(function (stem) {
      if (self.termIndex.has(stem)) numbers.add(self.shardOf(self.termIndex.get(stem)));
    });
    return Promise.all(Array.from(numbers, function (n) {
      return self.loadPart(self.shards, self.shardPath, n, self.addShard).then(function () {
        return positions ? self.loadPart(self.positionFiles, self.positionsPath, n, self.addPositions)
          : null;
      });
    }));
  };

  Engine.prototype.postingsOf = function (stem) {
    var index = this.termIndex.get(stem);
    return index === undefined ? null : this.postings.get(index) || null;
  };

  Engine.prototype.loadChunk = function (number) {
    return this.loadPart(this.chunks, this.chunkPath, number, function () {});
  };

  /* A paper's record in its chunk: [id, title, url, abstract, collections, topics, nearest]. */
  Engine.prototype.record = function (doc) {
    var size = this.chunkSize;
    return this.loadChunk(Math.floor(doc / size)).then(function (chunk) { return chunk[doc % size]; });
  };

  /* ---- Matching ---- */

  /* Per stem, the docs holding it in any field. */
  Engine.prototype.docsOf = function (stem) {
    var docs = new Set(), postings = this.postingsOf(stem);
    (postings || []).forEach(function (field) { field.docs.forEach(function (d) { docs.add(d); }); });
    return docs;
  };

  /* Docs that hold, somewhere, a stem of every word of a run (the run itself is checked later). */
  Engine.prototype.runCandidates = function (slots, joins) {
    var self = this, perSlot = slots.map(function () { return new Set(); });
    slots.forEach(function (slot, i) {
      if (slot.stop) return;
      slot.terms.forEach(function (stems) {
        var docs = null;
        stems.forEach(function (stem) {
          var holding = self.docsOf(stem);
          docs = docs === null ? holding : new Set(Array.from(docs).filter(function (d) { return holding.has(d); }));
        });
        docs.forEach(function (d) { perSlot[i].add(d); });
      });
      if (joins && joins[i]) {
        self.docsOf(joins[i]).forEach(function (d) { perSlot[i].add(d); perSlot[i + 1].add(d); });
      }
    });
    var candidates = null;
    perSlot.forEach(function (docs, i) {
      if (slots[i].stop) return;
      candidates = candidates === null ? docs
        : new Set(Array.from(candidates).filter(function (d) { return docs.has(d); }));
    });
    return candidates || new Set();
  };

  /* The runs of positions a concept must check, {slots, joins, weight}: its phrase, or its
     alternatives in several words. Made once, after expand (typos add no run). */
  Engine.prototype.runsOf = function (concept) {
    if (!concept.runs) {
      concept.runs = concept.phrase
        ? [{ slots: concept.slots(), joins: concept.joins(), weight: WEIGHT.exact }]
        : concept.alternatives.filter(function (alt) { return alt.sequence; }).map(function (alt) {
          return { slots: concept.slots(alt), joins: null, weight: WEIGHT[alt.kind] };
        });
    }
    return concept.runs;
  };

  /* A run's candidate docs, once its stems' shards are loaded (they do not change after). */
  Engine.prototype.candidatesOf = function (run) {
    if (!run.candidates) run.candidates = this.runCandidates(run.slots, run.joins);
    return run.candidates;
  };

  Engine.prototype.needsPositions = function (concept) {
    var self = this;
    return this.runsOf(concept).some(function (run) { return self.candidatesOf(run).size > 0; });
  };

  /* Whether anything but a typo correction could match the concept. */
  Engine.prototype.found = function (concept) {
    var self = this;
    return this.needsPositions(concept) || concept.alternatives.some(function (alt) {
      return !alt.sequence && self.docsOf(alt.terms[0]).size > 0;
    });
  };

  /* Per doc, how strongly a concept is matched: the largest of its alternatives' weighted,
     field-weighted, length-normalised term frequencies (BM25F's pseudo-frequency). */
  Engine.prototype.conceptFrequencies = function (concept) {
    var frequencies = new Map(), self = this;
    function keep(value, doc) { if (!(frequencies.get(doc) >= value)) frequencies.set(doc, value); }
    concept.alternatives.forEach(function (alt) {
      if (!alt.sequence) self.termFrequencies(alt).forEach(keep);
    });
    this.runsOf(concept).forEach(function (run) { self.runFrequencies(run).forEach(keep); });
    return frequencies;
  };

  Engine.prototype.termFrequencies = function (alt) {
    var out = new Map(), stem = alt.terms[0], postings = this.postingsOf(stem);
    if (!postings) return out;
    var bit = -1;
    if (alt.kind === "exact") bit = Math.min(this.formsOf(this.termIndex.get(stem)).indexOf(alt.form), 30);
    for (var f = 0; f < postings.length; f++) {
      var field = postings[f], fieldWeight = this.weights[f];
      for (var i = 0; i < field.docs.length; i++) {
        var weight = WEIGHT[alt.kind];
        if (alt.kind === "exact") {
          var asTyped = bit >= 0 && (!field.masks || (field.masks[i] & (1 << bit)) !== 0);
          weight = asTyped ? WEIGHT.exact : WEIGHT.stemmed;
        }
        var doc = field.docs[i];
        out.set(doc, (out.get(doc) || 0) + weight * fieldWeight * field.tfs[i]);
      }
    }
    return out;
  };

  /* Per doc, a run's weighted frequency: its occurrences per field, length-normalised as the
     field's other terms are (by the ratio of a posting's normalised tf to its count). */
  Engine.prototype.runFrequencies = function (run) {
    var out = new Map(), self = this, slots = run.slots, joins = run.joins;
    var stems = [];
    slots.forEach(function (slot) { slot.terms.forEach(function (t) { stems.push.apply(stems, t); }); });
    (joins || []).forEach(function (join) { if (join) stems.push(join); });
    var postings = stems.map(function (stem) { return [stem, self.postingsOf(stem)]; })
      .filter(function (pair) { return pair[1]; });
    this.candidatesOf(run).forEach(function (doc) {
      var value = 0;
      for (var f = 0; f < self.fields.length; f++) {
        var places = new Map(), norm = 0;
        postings.forEach(function (pair) {
          var field = pair[1][f], i = field.find(doc);
          if (i < 0 || !field.places) return;
          places.set(pair[0], field.places[i]);
          norm = field.tfs[i] / field.places[i].length;
        });
        if (!places.size) continue;
        value += run.weight * self.weights[f] * occurrences(slots, joins, places).length * norm;
      }
      if (value > 0) out.set(doc, value);
    });
    return out;
  };

  /* ---- Ranking ---- */

  function stemsOf(concepts) {
    var stems = [];
    concepts.forEach(function (c) { stems.push.apply(stems, c.stems()); });
    return stems;
  }

  /* A query's matches, best first: [{doc, score, matched, all}], with its concepts. */
  Engine.prototype.evaluate = function (text, shown) {
    var self = this, parsed = parseQuery(this.rules, text);
    var concepts = parsed.parts.map(function (part, i) {
      return new Concept(self, part, i, parsed.parts.length, parsed.typing);
    });
    concepts.forEach(function (concept, i) {
      var next = concepts[i + 1];
      var joinable = next && !concept.phrase && !concept.negated && !next.phrase && !next.negated;
      concept.expand(self, joinable ? next : null);
    });
    return this.load(stemsOf(concepts)).then(function () {
      var unmatched = concepts.filter(function (c) { return !c.negated && !self.found(c); });
      unmatched.forEach(function (c) { c.addTypos(self); });
      return self.load(stemsOf(unmatched));
    }).then(function () {
      var runs = concepts.filter(function (c) { return self.needsPositions(c); });
      return self.load(stemsOf(runs), true);
    }).then(function () { return self.nearFirst(self.rank(concepts), shown || 0); });
  };

  Engine.prototype.rank = function (concepts) {
    var self = this, n = this.documentCount, k1 = this.config.k1;
    var positive = concepts.filter(function (c) { return !c.negated; });
    var required = positive.filter(function (c) { return !c.stop; });
    if (!required.length) required = positive;
    var excluded = new Set();
    concepts.forEach(function (c) {
      if (c.negated) self.conceptFrequencies(c).forEach(function (v, doc) { excluded.add(doc); });
    });
    var scores = new Map(), matched = new Map();
    positive.forEach(function (concept) {
      var frequencies = concept.docs = self.conceptFrequencies(concept);
      var idf = Math.log(1 + (n - frequencies.size + 0.5) / (frequencies.size + 0.5));
      var counted = required.indexOf(concept) >= 0 ? 1 : 0;
      frequencies.forEach(function (tf, doc) {
        if (excluded.has(doc)) return;
        scores.set(doc, (scores.get(doc) || 0) + idf * tf * (k1 + 1) / (k1 + tf));
        matched.set(doc, (matched.get(doc) || 0) + counted);
      });
    });
    var ranked = [];
    scores.forEach(function (score, doc) {
      var words = matched.get(doc);
      if (words > 0) ranked.push({ doc: doc, score: score, matched: words, all: words === required.length });
    });
    // Papers holding every word first; then the others, their score scaled by the share of the
    // words they hold (coordination), so that more words rank higher unless fewer match far better.
    ranked.forEach(function (r) { r.score *= r.matched / required.length; });
    ranked.sort(byEvidence);
    return { ranked: ranked, concepts: positive, words: required.length };
  };

  function byEvidence(a, b) { return b.all - a.all || b.score - a.score || a.doc - b.doc; }

  /* Ranking by neighbourhood (pseudo-relevance feedback over the build's nearest-paper lists):
     each of the best matches lends a share of its score to the papers nearest it, so among papers
     matching as many words, those on the topic of the best matches rank higher. The first few
     stay where the words put them: a paper searched for by its own words is found first.
     The chunks of the first `shown` matches, which the caller will show, load in the same wave. */
  Engine.prototype.nearFirst = function (evaluation, shown) {
    var self = this, ranked = evaluation.ranked, feedback = this.config.feedback;
    if (ranked.length <= feedback.kept + 1) return evaluation;
    var seeds = ranked.slice(0, feedback.seeds);
    ranked.slice(seeds.length, shown).forEach(function (match) {
      self.loadChunk(Math.floor(match.doc / self.chunkSize));
    });
    return Promise.all(seeds.map(function (match) { return self.record(match.doc); }))
      .then(function (records) {
        var best = 0, lent = new Map(), stay = [], moved = [];
        ranked.forEach(function (m) { if (m.score > best) best = m.score; });
        seeds.forEach(function (match, i) {
          records[i][6].forEach(function (near) {
            lent.set(near, (lent.get(near) || 0) + match.score / best);
          });
        });
        ranked.slice(feedback.kept).forEach(function (m) {
          if (!lent.has(m.doc)) { stay.push(m); return; }
          m.score += feedback.weight * best * lent.get(m.doc);
          moved.push(m);
        });
        // Only the few lent papers move: merged into the others, which keep their order.
        evaluation.ranked = ranked.slice(0, feedback.kept).concat(merged(stay, moved.sort(byEvidence)));
        return evaluation;
      });
  };

  function merged(a, b) {
    var out = [], i = 0, j = 0;
    while (i < a.length || j < b.length) {
      out.push(j >= b.length || (i < a.length && byEvidence(a[i], b[j]) <= 0) ? a[i++] : b[j++]);
    }
    return out;
  }

  /* ---- Highlights and excerpts ---- */

  function charAt(text, i) {
    var code = text.charCodeAt(i);
    return code >= 0xd800 && code <= 0xdbff && i + 1 < text.length ? text.slice(i, i + 2) : text[i];
  }

  function charBefore(text, end) {
    var code = text.charCodeAt(end - 1);
    return code >= 0xdc00 && code <= 0xdfff && end >= 2 ? text.slice(end - 2, end) : text[end - 1];
  }

  /* A word's span without the punctuation at its ends. */
  function trimmedSpan(text, start, end) {
    while (start < end && !WORD_CHAR.test(charAt(text, start))) start += charAt(text, start).length;
    while (end > start && !WORD_CHAR.test(charBefore(text, end))) end -= charBefore(text, end).length;
    return [start, end];
  }

  function mergedSpans(spans) {
    var out = [];
    spans.filter(function (s) { return s[1] > s[0]; })
      .sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; })
      .forEach(function (span) {
        var last = out[out.length - 1];
        if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
        else out.push(span.slice());
      });
    return out;
  }

  /* Spans [start, end) of a text's matched words, and of its matched runs (phrases) whole. */
  function matchedSpans(rules, text, field, matched) {
    if (!matched.terms.size && !matched.runs.length) return [];
    var words = rules.positioned(text, field), spans = [], places = new Map();
    words.forEach(function (word, position) {
      if (word[0].some(function (t) { return matched.terms.has(t); })) {
        spans.push(trimmedSpan(text, word[1], word[2]));
      }
      word[0].forEach(function (t) {
        if (!places.has(t)) places.set(t, []);
        places.get(t).push(position);
      });
    });
    matched.runs.forEach(function (run) {
      occurrences(run.slots, run.joins, places).forEach(function (o) {
        var first = words[o[0]], last = words[o[1] - 1];
        spans.push([trimmedSpan(text, first[1], first[2])[0], trimmedSpan(text, last[1], last[2])[1]]);
      });
    });
    return mergedSpans(spans);
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

  /* Per field, what matched in one doc: single stems, and runs to find in its text. */
  Engine.prototype.matchedIn = function (concepts, doc) {
    var self = this;
    var perField = this.fields.map(function () { return { terms: new Set(), runs: [] }; });
    concepts.forEach(function (concept) {
      if (!concept.docs || !concept.docs.has(doc)) return;
      self.runsOf(concept).forEach(function (run) {
        perField.forEach(function (m) { m.runs.push(run); });
      });
      concept.alternatives.forEach(function (alt) {
        if (alt.sequence) return;
        (self.postingsOf(alt.terms[0]) || []).forEach(function (field, f) {
          if (field.find(doc) >= 0) perField[f].terms.add(alt.terms[0]);
        });
      });
    });
    return perField;
  };

  /* ---- Results ---- */

  /* Results best first. Options: `limit` and `offset` (a page of the matches), `collections`
     (ids: keep matches in any of them). The array also carries `total` (matches in the chosen
     collections), `all` (those of them that match every word of the query), `words` (the number of
     words a match may match), `unfiltered` (every match) and `facets` ({collection id: matches in
     it, over every match}); none of these needs a document chunk, so a caller can ask for one small
     page and still count everything. */
  Engine.prototype.search = function (text, options) {
    var self = this;
    options = options || {};
    var limit = options.limit >= 0 ? options.limit : Infinity;
    var offset = options.offset > 0 ? options.offset : 0;
    var wanted = options.collections && options.collections.length ? options.collections : null;
    return this.evaluate(text, offset + limit).catch(function () {
      return { ranked: [], concepts: [], words: 0 }; // a bug must not break the search box
    }).then(function (evaluation) {
      var facets = {}, matching = [], all = 0;
      self.collectionIds.forEach(function (id) { facets[id] = 0; });
      evaluation.ranked.forEach(function (match) {
        var ids = (self.memberships[match.doc] || []).map(function (n) { return self.collectionIds[n]; });
        ids.forEach(function (id) { facets[id]++; });
        if (!wanted || ids.some(function (id) { return wanted.indexOf(id) >= 0; })) {
          matching.push(match);
          if (match.all) all++;
        }
      });
      var page = matching.slice(offset, offset + limit);
      return Promise.all(page.map(function (m) { return self.result(m, evaluation.concepts); }))
        .then(function (shown) {
          shown.total = matching.length;
          shown.all = all;
          shown.words = evaluation.words;
          shown.unfiltered = evaluation.ranked.length;
          shown.facets = facets;
          return shown;
        });
    });
  };

  Engine.prototype.result = function (match, concepts) {
    var self = this, doc = match.doc;
    return this.record(doc).then(function (record) {
      var matched = self.matchedIn(concepts, doc);
      var title = matched[self.fields.indexOf("title")], abstract = record[3];
      var excerpt = excerptAround(abstract, matchedSpans(self.rules, abstract, "abstract",
        matched[self.fields.indexOf("abstract")]), self.excerptChars);
      return {
        id: record[0],
        score: match.score,
        matched: match.matched,
        all: match.all,
        title: record[1],
        url: record[2],
        collections: record[4].map(function (n) { return self.collectionIds[n]; }),
        topics: (record[5] || []).map(function (n) { return self.topicIds[n]; }),
        titleHighlights: matchedSpans(self.rules, record[1], "title", title),
        excerpt: excerpt.text,
        excerptHighlights: excerpt.spans,
      };
    });
  };

  /* How a query was read and matched, for tests and for docs/search.md's examples. */
  Engine.prototype.explain = function (text) {
    var self = this;
    return this.evaluate(text).then(function (evaluation) {
      return {
        concepts: evaluation.concepts.map(function (c) {
          return {
            words: c.words.map(function (w) { return w.text; }),
            phrase: c.phrase,
            stop: c.stop,
            alternatives: c.alternatives.map(function (a) { return [a.kind, a.terms.join(" ")]; }),
            matches: c.docs ? c.docs.size : 0,
          };
        }),
        words: evaluation.words,
        ranked: evaluation.ranked.map(function (m) {
          return [m.doc, Math.round(m.score * 1000) / 1000, m.matched];
        }),
        documents: self.documentCount,
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
    // For tests: how a text is read as a query (needs an engine's text rules).
    parseQuery: function (engine, text) { return parseQuery(engine.rules, text); },
  };
});

// Drive static/js/search-engine.js with the real lunr.js 2.3.9 from node_modules, on a built site.
// Reads a JSON request on stdin: {site, mode, queries, limit or options, wholeIndex, words};
// prints JSON.
//   mode "search": per query the engine's results and the files fetched for it (with fresh: true,
//                  each query on a fresh engine, as a visitor's first query).
//   mode "explain": per query how the engine read it (concepts, their alternatives and matches)
//                   and every match as [doc, score, words matched].
//   mode "load": lunr.Index.load on the whole index (wholeIndex), searched by lunr itself.
//   mode "text": per word the engine's normalised terms and index terms per field.
"use strict";
const fs = require("fs");
const path = require("path");
const { pathToFileURL, fileURLToPath } = require("url");
const lunr = require(path.join(__dirname, "..", "..", "node_modules", "lunr"));
const enginePath = path.join(__dirname, "..", "..", "static", "js", "search-engine.js");

function freshEngineModule() {
  delete require.cache[require.resolve(enginePath)];
  return require(enginePath);
}

function fileFetch(log) {
  return async (url) => {
    const file = fileURLToPath(url.split("?")[0]);
    let body;
    try {
      body = fs.readFileSync(file);
    } catch (error) {
      return { ok: false, status: 404, json: async () => null };
    }
    log.push(file);
    return { ok: true, status: 200, json: async () => JSON.parse(body.toString("utf8")) };
  };
}

async function main() {
  const request = JSON.parse(fs.readFileSync(0, "utf8"));
  const entry = pathToFileURL(path.join(request.site, "search", "search_index.json")).href;
  const out = { lunrVersion: lunr.version, answers: [] };
  if (request.mode === "search") {
    let fetched = [];
    let engine = null;
    for (const query of request.queries) {
      if (request.fresh || engine === null) {
        fetched = [];
        engine = await freshEngineModule().open(entry, { fetch: fileFetch(fetched) });
      }
      const started = process.hrtime.bigint();
      const options = request.options || (request.limit == null ? {} : { limit: request.limit });
      const results = await engine.search(query, options);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      out.documentCount = engine.documentCount;
      out.collections = engine.collections;
      out.answers.push({
        query,
        results,
        total: results.total,
        all: results.all,
        words: results.words,
        unfiltered: results.unfiltered,
        facets: results.facets,
        ms,
        fetched: fetched.splice(0).map((f) => path.relative(request.site, f).split(path.sep).join("/")),
      });
    }
  } else if (request.mode === "explain") {
    const engine = await freshEngineModule().open(entry, { fetch: fileFetch([]) });
    for (const query of request.queries) out.answers.push({ query, ...(await engine.explain(query)) });
  } else if (request.mode === "load") {
    await freshEngineModule().open(entry, { fetch: fileFetch([]) }); // registers the pipeline
    const whole = lunr.Index.load(JSON.parse(fs.readFileSync(request.wholeIndex, "utf8")));
    for (const query of request.queries) {
      out.answers.push({ query, refs: whole.search(query).map((r) => r.ref) });
    }
  } else if (request.mode === "text") {
    const engine = await freshEngineModule().open(entry, { fetch: fileFetch([]) });
    out.answers = request.words.map((word) => ({
      word,
      normalised: engine.rules.normalise(word),
      forms: engine.rules.indexForms(word, "abstract"),
      title: engine.rules.indexTerms(word, "title"),
      abstract: engine.rules.indexTerms(word, "abstract"),
    }));
  } else {
    throw new Error("unknown mode " + request.mode);
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error) + "\n");
  process.exit(1);
});

// Search a built site with the site's own files: its vendored lunr.js and its search engine, as a
// browser would load them (no node_modules). Usage: node site_search.cjs SITE_DIR QUERY...
// Prints JSON: {lunrVersion, answers: [{query, titles}]}.
"use strict";
const fs = require("fs");
const path = require("path");
const Module = require("module");
const { pathToFileURL, fileURLToPath } = require("url");

const site = path.resolve(process.argv[2]);
const lunrPath = path.join(site, "static", "vendor", "lunr.min.js");
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === "lunr" ? lunrPath : resolve.call(this, request, ...rest);
};
const lunr = require("lunr");
const engineModule = require(path.join(site, "static", "js", "search-engine.js"));

async function fileFetch(url) {
  const body = fs.readFileSync(fileURLToPath(url.split("?")[0]));
  return { ok: true, status: 200, json: async () => JSON.parse(body.toString("utf8")) };
}

async function main() {
  const entry = pathToFileURL(path.join(site, "search", "search_index.json")).href;
  const engine = await engineModule.open(entry, { fetch: fileFetch });
  const answers = [];
  for (const query of process.argv.slice(3)) {
    const results = await engine.search(query, { limit: 10 });
    answers.push({ query, titles: results.map((result) => result.title) });
  }
  process.stdout.write(JSON.stringify({ lunrVersion: lunr.version, answers }));
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error));
  process.exit(1);
});

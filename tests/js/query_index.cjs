// Load a built search_index.json with the real lunr.js 2.3.9 from node_modules and answer
// queries read from stdin (a JSON list of strings); prints, per query, the refs and titles found.
"use strict";
const fs = require("fs");
const path = require("path");
const lunr = require(path.join(__dirname, "..", "..", "node_modules", "lunr"));

const payload = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const index = lunr.Index.load(payload.index);
const queries = JSON.parse(fs.readFileSync(0, "utf8"));
const answers = queries.map((query) => {
  const results = index.search(query);
  return results.map((r) => ({ ref: r.ref, title: payload.docs[r.ref].title, score: r.score }));
});
process.stdout.write(JSON.stringify({ lunrVersion: lunr.version, answers }));

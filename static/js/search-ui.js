/* papershelf search UI: the header search box (a combobox with the top results) on every page,
   and the search page (results, collection facets, the query in the URL).
   It talks to the engine only through window.papershelfSearch (see docs/search.md) and puts
   record text into the page as text nodes and <mark> elements, never as HTML. */
(function () {
  "use strict";

  var DEBOUNCE_MS = 10; // a pause between two keys of a fast typist is longer; results land sooner
  var POPUP_RESULTS = 8;
  var PAGE_RESULTS = 20;

  var api = window.papershelfSearch;
  if (!api) {
    var status = document.getElementById("search-status");
    if (status) status.textContent = "Search is unavailable: its script did not load.";
    return;
  }

  /* The engine behind a form or app element; open() is memoised, so this is cheap to repeat. */
  function openEngine(element) {
    return api.open(new URL(element.dataset.indexUrl, window.location.href).href);
  }

  /* Text with the given [start, end) spans wrapped in <mark>, as DOM nodes. */
  function highlighted(text, spans) {
    var fragment = document.createDocumentFragment();
    var at = 0;
    (spans || []).forEach(function (span) {
      var start = Math.max(span[0], at);
      var end = Math.min(span[1], text.length);
      if (end <= start) return;
      if (start > at) fragment.appendChild(document.createTextNode(text.slice(at, start)));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(start, end);
      fragment.appendChild(mark);
      at = end;
    });
    if (at < text.length) fragment.appendChild(document.createTextNode(text.slice(at)));
    return fragment;
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function papers(count) {
    return count + (count === 1 ? " paper" : " papers");
  }

  function quoted(text) {
    return "“" + text + "”";
  }

  /* A function that calls `action` once input has paused for DEBOUNCE_MS; .flush() runs it now. */
  function debounced(action) {
    var timer = null;
    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(action, DEBOUNCE_MS);
    }
    schedule.flush = function () {
      clearTimeout(timer);
      action();
    };
    return schedule;
  }

  /* The header search box: a combobox whose listbox shows the top results and "See all N results". */
  function HeaderSearch(form) {
    var input = form.querySelector("input[type=search]");
    var popup = form.querySelector(".search-popup");
    var note = popup.querySelector(".search-popup-note");
    var list = popup.querySelector("[role=listbox]");
    var live = form.querySelector("[role=status]");
    var siteRoot = new URL(form.dataset.siteRoot, window.location.href);
    var engine = null;
    var loading = null;
    var generation = 0;
    var active = -1;
    var shownFor = null; // the query the listbox currently shows

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    form.classList.add("is-enhanced");

    function load() {
      if (!loading) {
        form.classList.add("is-loading");
        loading = openEngine(form).then(
          function (opened) {
            engine = opened;
            form.classList.remove("is-loading");
            return opened;
          },
          function (error) {
            form.classList.remove("is-loading");
            loading = null; // let the next focus try again
            throw error;
          }
        );
      }
      return loading;
    }

    function options() {
      return list.querySelectorAll("[role=option]");
    }

    function setActive(index) {
      var all = options();
      active = all.length ? (index + all.length) % all.length : -1;
      all.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      if (active < 0) {
        input.removeAttribute("aria-activedescendant");
      } else {
        input.setAttribute("aria-activedescendant", all[active].id);
        all[active].scrollIntoView({ block: "nearest" });
      }
    }

    function isOpen() {
      return !popup.hidden;
    }

    function show() {
      popup.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function close() {
      popup.hidden = true;
      input.setAttribute("aria-expanded", "false");
      setActive(-1);
    }

    function option(id, link) {
      var item = element("li", "search-option");
      item.id = id;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      link.tabIndex = -1; // focus stays in the input; the listbox is driven by the arrow keys
      item.appendChild(link);
      return item;
    }

    function render(text, results) {
      shownFor = text;
      list.replaceChildren();
      active = -1;
      input.removeAttribute("aria-activedescendant");
      var total = results.total;
      results.forEach(function (result, i) {
        var link = element("a", "search-option-link");
        link.href = new URL(result.url, siteRoot).href;
        var id = list.id + "-" + i;
        var title = element("span", "search-option-title");
        title.id = id + "-title";
        title.appendChild(highlighted(result.title, result.titleHighlights));
        var excerpt = element("span", "search-option-excerpt");
        excerpt.appendChild(highlighted(result.excerpt, result.excerptHighlights));
        link.appendChild(title);
        link.appendChild(excerpt);
        var item = option(id, link);
        item.setAttribute("aria-labelledby", title.id); // announce the title, not the excerpt
        list.appendChild(item);
      });
      if (total) {
        var all = element("a", "search-option-all", "See all " + total + (total === 1 ? " result" : " results"));
        var page = new URL("search/", siteRoot);
        page.searchParams.set("q", text);
        all.href = page.href;
        list.appendChild(option(list.id + "-all", all));
      }
      var message = total
        ? papers(total) + (total === 1 ? " matches " : " match ") + quoted(text) + "."
        : "No papers match " + quoted(text) + ".";
      note.textContent = total ? "" : message;
      note.hidden = !!total;
      live.textContent = message;
      show();
    }

    function showNote(text) {
      list.replaceChildren();
      setActive(-1);
      note.textContent = text;
      note.hidden = false;
      live.textContent = text;
      show();
    }

    function run() {
      var text = input.value.trim();
      var mine = ++generation;
      if (!text) {
        shownFor = null;
        live.textContent = "";
        close();
        return;
      }
      if (!engine) showNote("Loading the search index…");
      load()
        .then(function (opened) {
          return opened.search(text, { limit: POPUP_RESULTS });
        })
        .then(
          function (results) {
            if (mine === generation && document.activeElement === input) render(text, results);
          },
          function (error) {
            if (mine === generation) showNote("Search is unavailable: " + error.message);
          }
        );
    }
    var schedule = debounced(run);

    input.addEventListener("focus", function () {
      load().catch(function () {}); // the failure is reported when the visitor types
      if (input.value.trim() && shownFor === input.value.trim()) show();
      else if (input.value.trim()) schedule.flush();
    });
    input.addEventListener("input", schedule);
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!isOpen()) {
          if (input.value.trim()) schedule.flush();
          event.preventDefault();
          return;
        }
        event.preventDefault();
        var step = event.key === "ArrowDown" ? 1 : -1;
        setActive(active < 0 && step < 0 ? -1 : active + step);
      } else if (event.key === "Enter") {
        if (isOpen() && active >= 0) {
          event.preventDefault();
          window.location.assign(options()[active].querySelector("a").href);
        }
      } else if (event.key === "Escape") {
        if (isOpen()) {
          event.preventDefault(); // close only; a second Escape clears the box as usual
          close();
        }
      }
    });
    form.addEventListener("focusout", function (event) {
      if (!form.contains(event.relatedTarget)) close();
    });
    // Keep the focus in the input when an option is clicked, so focusout does not close it first.
    list.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });
    // A page restored from the back-forward cache must not come back with the list still open.
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) close();
    });
    list.addEventListener("mousemove", function (event) {
      var item = event.target.closest("[role=option]");
      if (!item) return;
      var index = Array.prototype.indexOf.call(options(), item);
      if (index !== active) setActive(index);
    });
  }

  /* The search page: results for ?q=, collection facets (?c=ID, repeatable), "show more". */
  function SearchPage(app) {
    var form = app.querySelector("form[role=search]");
    var input = document.getElementById("search-input");
    var status = document.getElementById("search-status");
    var list = document.getElementById("search-results");
    var facets = document.getElementById("search-facets");
    var facetList = facets.querySelector(".search-facet-list");
    var more = document.getElementById("search-more");
    var siteRoot = new URL(app.dataset.siteRoot, window.location.href);
    var engine = null;
    var generation = 0;
    var query = "";
    var results = []; // the page of results shown so far, in the selected collections
    var total = 0; // matches in the selected collections
    var unfiltered = 0; // every match
    var allWords = 0; // matches in the selected collections holding every word of the query
    var words = 0; // the words of the query a match may hold
    var facetCounts = {}; // matches per collection, over every match
    var selected = [];

    app.querySelectorAll(".search-help").forEach(function (help) {
      help.hidden = false;
    });

    function readUrl() {
      var params = new URLSearchParams(window.location.search);
      input.value = params.get("q") || "";
      selected = params.getAll("c");
    }

    function writeUrl() {
      var params = new URLSearchParams();
      if (query) params.set("q", query);
      selected.forEach(function (id) {
        params.append("c", id);
      });
      var url = new URL(window.location.href);
      url.search = params.toString();
      if (url.href !== window.location.href) history.replaceState(history.state, "", url);
    }

    function collectionTitle(id) {
      return (engine.collections && engine.collections[id]) || id;
    }

    function statusText() {
      if (!query) return "Type to search " + papers(engine.documentCount) + ".";
      if (!unfiltered) return "No papers match " + quoted(query) + ".";
      var text = papers(unfiltered) + (unfiltered === 1 ? " matches " : " match ") + quoted(query);
      if (!selected.length) return countsText(text) + ".";
      var where = selected.length === 1 ? collectionTitle(selected[0]) : "the " + selected.length + " selected collections";
      return text + ", " + (total ? total : "none") + " of them in " + where + ".";
    }

    /* "N papers match all words; M more match some" when not every match holds every word. */
    function countsText(text) {
      if (words < 2 || allWords >= total) return text;
      if (!allWords) return "No paper matches all the words of " + quoted(query) + "; " +
        papers(total) + (total === 1 ? " matches" : " match") + " some";
      return papers(allWords) + (allWords === 1 ? " matches" : " match") + " all the words of " +
        quoted(query) + "; " + (total - allWords) + " more match some";
    }

    function renderFacets() {
      var counts = facetCounts;
      facetList.replaceChildren();
      var ids = Object.keys(engine.collections || {});
      Object.keys(counts).forEach(function (id) {
        if (ids.indexOf(id) < 0) ids.push(id);
      });
      ids.forEach(function (id) {
        var isSelected = selected.indexOf(id) >= 0;
        if (!counts[id] && !isSelected) return;
        var item = element("li", "search-facet");
        var label = element("label");
        var box = element("input");
        box.type = "checkbox";
        box.value = id;
        box.checked = isSelected;
        label.appendChild(box);
        label.appendChild(element("span", "search-facet-title", collectionTitle(id)));
        label.appendChild(element("span", "search-facet-count", String(counts[id] || 0)));
        item.appendChild(label);
        facetList.appendChild(item);
      });
      facets.hidden = !facetList.children.length;
    }

    function resultItem(result) {
      var item = element("li", "search-result");
      var heading = element("h2", "search-result-title");
      var link = element("a");
      link.href = new URL(result.url, siteRoot).href;
      link.appendChild(highlighted(result.title, result.titleHighlights));
      heading.appendChild(link);
      item.appendChild(heading);
      if (result.excerpt) {
        var excerpt = element("p", "search-result-excerpt");
        excerpt.appendChild(highlighted(result.excerpt, result.excerptHighlights));
        item.appendChild(excerpt);
      }
      if (result.collections.length) {
        var names = element("ul", "search-result-collections");
        names.setAttribute("aria-label", "Collections");
        result.collections.forEach(function (id) {
          names.appendChild(element("li", "search-result-collection", collectionTitle(id)));
        });
        item.appendChild(names);
      }
      if (result.topics && result.topics.length) {
        var topics = element("ul", "search-result-topics");
        topics.setAttribute("aria-label", "Topics");
        result.topics.forEach(function (slug) {
          var topic = element("a", null, (engine.topics && engine.topics[slug]) || slug);
          topic.href = new URL("topics/" + encodeURIComponent(slug) + "/", siteRoot).href;
          var entry = element("li", "search-result-topic");
          entry.appendChild(topic);
          topics.appendChild(entry);
        });
        item.appendChild(topics);
      }
      return item;
    }

    function appendResults(page) {
      var fragment = document.createDocumentFragment();
      page.forEach(function (result, i) {
        var previous = i ? page[i - 1] : results[results.length - 1];
        if (words > 1 && !result.all && (!previous || previous.all)) {
          // The papers below hold only some of the words: say so where they begin.
          var divider = element("li", "search-results-partial");
          divider.appendChild(element("h2", null, "Papers matching some of the words"));
          fragment.appendChild(divider);
        }
        fragment.appendChild(resultItem(result));
      });
      list.appendChild(fragment);
      results = results.concat(page);
      var rest = total - results.length;
      more.hidden = rest <= 0;
      more.textContent = "Show " + Math.min(rest, PAGE_RESULTS) + " more of " + rest;
    }

    /* Only one page of results is fetched at a time: each page needs its papers' document
       chunks, while the counts and facets come with the first page for free. */
    function showMore() {
      var mine = generation;
      more.disabled = true; // a second click while this page loads would fetch it twice
      return engine
        .search(query, { offset: results.length, limit: PAGE_RESULTS, collections: selected })
        .then(function (page) {
          if (mine === generation) appendResults(page);
        })
        .finally(function () {
          more.disabled = false;
        });
    }

    function render(found) {
      results = [];
      total = found.total || 0;
      allWords = found.all || 0;
      words = found.words || 0;
      unfiltered = found.unfiltered || 0;
      facetCounts = found.facets || {};
      list.replaceChildren();
      appendResults(found);
      renderFacets();
      status.textContent = statusText();
    }

    function run() {
      query = input.value.trim();
      writeUrl();
      if (!engine) return;
      var mine = ++generation;
      var searching = query
        ? engine.search(query, { limit: PAGE_RESULTS, collections: selected })
        : Promise.resolve([]);
      searching.then(
        function (found) {
          if (mine !== generation) return;
          render(found);
        },
        function (error) {
          if (mine === generation) status.textContent = "Search failed (" + error.message + ").";
        }
      );
    }
    var schedule = debounced(run);

    function links() {
      return Array.prototype.slice.call(list.querySelectorAll(".search-result-title a"));
    }

    input.addEventListener("input", schedule);
    form.addEventListener("submit", function (event) {
      event.preventDefault(); // the results are already here: no reload
      schedule.flush();
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" && links().length) {
        event.preventDefault();
        links()[0].focus();
      }
    });
    list.addEventListener("keydown", function (event) {
      var all = links();
      var at = all.indexOf(document.activeElement);
      if (at < 0) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        var next = at + (event.key === "ArrowDown" ? 1 : -1);
        if (next < 0) input.focus();
        else if (next < all.length) all[next].focus();
        else if (!more.hidden) more.focus();
      } else if (event.key === "Escape") {
        input.focus();
      }
    });
    more.addEventListener("click", function () {
      if (more.disabled) return;
      var first = results.length;
      showMore().then(function () {
        var next = links()[first];
        if (next) next.focus();
      });
    });
    facetList.addEventListener("change", function () {
      selected = Array.prototype.map.call(facetList.querySelectorAll("input:checked"), function (box) {
        return box.value;
      });
      run();
    });
    window.addEventListener("popstate", function () {
      readUrl();
      run();
    });

    readUrl();
    if (!input.value) input.focus(); // an empty search page is there to be typed into
    app.classList.add("is-loading");
    app.setAttribute("aria-busy", "true");
    status.textContent = "Loading the search index…";
    openEngine(app).then(
      function (opened) {
        engine = opened;
        app.classList.remove("is-loading");
        app.removeAttribute("aria-busy");
        run();
      },
      function (error) {
        app.classList.remove("is-loading");
        app.removeAttribute("aria-busy");
        status.textContent = "The search index could not be loaded (" + error.message + ").";
      }
    );
  }

  /* "/" focuses the search box from anywhere, unless the visitor is typing in a field. */
  function isTyping(target) {
    if (!target || !target.tagName) return false;
    if (target.isContentEditable || target.tagName === "TEXTAREA" || target.tagName === "SELECT") return true;
    return target.tagName === "INPUT" && !/^(checkbox|radio|button|submit|reset)$/.test(target.type);
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
    var box = document.getElementById("search-input") || document.getElementById("header-search-input");
    if (!box) return;
    event.preventDefault();
    box.focus();
    box.select();
  });

  document.querySelectorAll("form.header-search[data-index-url]").forEach(HeaderSearch);
  var app = document.getElementById("search-app");
  if (app) SearchPage(app);
})();

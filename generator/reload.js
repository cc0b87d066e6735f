/* papershelf serve only: polls the dev server and reloads the page after each good rebuild, or shows
   the build error over the page (the site stays the last one that built). Never part of a built site. */
(function () {
  "use strict";

  var statusUrl = new URL("status", document.currentScript.src);
  var loadedBuild = null;
  var panel = null;

  function showError(message) {
    if (!panel) {
      panel = document.createElement("div");
      panel.id = "papershelf-build-error";
      panel.setAttribute("role", "alert");
      // CSSOM properties: a style attribute would break the page's Content-Security-Policy.
      Object.assign(panel.style, {
        position: "fixed", left: "1rem", right: "1rem", bottom: "1rem", zIndex: "1000",
        margin: "0", padding: "1rem", maxHeight: "50vh", overflow: "auto",
        background: "#2b0d0d", color: "#ffe9e9", border: "2px solid #ff6b6b",
        borderRadius: "8px", font: "0.9rem/1.5 ui-monospace, monospace", whiteSpace: "pre-wrap"
      });
      document.body.appendChild(panel);
    }
    panel.textContent = "papershelf: the last build failed; showing the previous site.\n\n" + message;
  }

  function hideError() {
    if (panel) { panel.remove(); panel = null; }
  }

  function poll() {
    fetch(statusUrl, { cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (status) {
        if (loadedBuild === null) {
          loadedBuild = status.build;
          document.documentElement.dataset.papershelfBuild = String(status.build);
        } else if (status.build !== loadedBuild) {
          window.location.reload();
          return;
        }
        if (status.error) showError(status.error); else hideError();
      })
      .catch(function () { /* the server is restarting or stopped: try again */ })
      .finally(function () { window.setTimeout(poll, 400); });
  }

  poll();
})();

// Pan and zoom for the map page: the wheel or a pinch zooms, dragging pans, by changing the SVG's
// viewBox. The map works without this file; every point stays a plain link.
(function () {
  "use strict";
  const svg = document.getElementById("paper-map");
  if (!svg) return;
  const full = svg.viewBox.baseVal;
  const home = { x: full.x, y: full.y, width: full.width, height: full.height };
  const view = { ...home };
  const MIN_WIDTH = home.width / 40;
  let drag = null;
  let moved = false;

  function apply() {
    svg.setAttribute("viewBox", `${view.x} ${view.y} ${view.width} ${view.height}`);
    svg.classList.toggle("zoomed", view.width < home.width * 0.99);
  }

  function toMap(clientX, clientY) {
    const box = svg.getBoundingClientRect();
    return {
      x: view.x + ((clientX - box.left) / box.width) * view.width,
      y: view.y + ((clientY - box.top) / box.height) * view.height,
    };
  }

  function zoom(factor, clientX, clientY) {
    const anchor = toMap(clientX, clientY);
    const width = Math.min(home.width, Math.max(MIN_WIDTH, view.width * factor));
    const scale = width / view.width;
    view.x = anchor.x - (anchor.x - view.x) * scale;
    view.y = anchor.y - (anchor.y - view.y) * scale;
    view.width = width;
    view.height = home.height * (width / home.width);
    if (width >= home.width) Object.assign(view, home);
    apply();
  }

  svg.addEventListener(
    "wheel",
    (event) => {
      event.preventDefault();
      zoom(Math.exp(event.deltaY * 0.0015), event.clientX, event.clientY);
    },
    { passive: false }
  );
  svg.addEventListener("pointerdown", (event) => {
    drag = { x: event.clientX, y: event.clientY, view: { ...view } };
    moved = false;
  });
  svg.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const box = svg.getBoundingClientRect();
    const dx = ((event.clientX - drag.x) / box.width) * view.width;
    const dy = ((event.clientY - drag.y) / box.height) * view.height;
    if (Math.abs(event.clientX - drag.x) + Math.abs(event.clientY - drag.y) > 4) {
      moved = true;
      svg.classList.add("dragging");
    }
    view.x = drag.view.x - dx;
    view.y = drag.view.y - dy;
    apply();
  });
  function endDrag() {
    drag = null;
    svg.classList.remove("dragging");
  }
  svg.addEventListener("pointerup", endDrag);
  svg.addEventListener("pointerleave", endDrag);
  // A drag that ends on a point must not open it.
  svg.addEventListener(
    "click",
    (event) => {
      if (moved) {
        event.preventDefault();
        moved = false;
      }
    },
    true
  );
  svg.addEventListener("dblclick", (event) => {
    event.preventDefault();
    Object.assign(view, home);
    apply();
  });
})();

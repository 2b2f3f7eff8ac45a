// The network graph: zoom buttons and drag to pan, on top of a frame that already
// scrolls without JavaScript. Nothing here is needed to read the page.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const frame = document.querySelector(".graph-frame");
  const svg = frame && frame.querySelector("svg");
  if (!svg) return;
  const width = svg.width.baseVal.value;
  const height = svg.height.baseVal.value;
  let scale = 1;
  const zoom = (factor) => {
    scale = Math.min(4, Math.max(0.1, factor === 0 ? frame.clientWidth / width : scale * factor));
    svg.setAttribute("width", width * scale);
    svg.setAttribute("height", height * scale);
  };
  const bar = document.createElement("div");
  bar.className = "graph-zoom";
  bar.setAttribute("role", "group");
  bar.setAttribute("aria-label", "Zoom");
  [["Zoom in", "+", 1.25], ["Zoom out", "−", 0.8], ["Fit to width", "Fit", 0]].forEach(([label, text, factor]) => {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = text;
    button.setAttribute("aria-label", label);
    button.addEventListener("click", () => zoom(factor));
    bar.appendChild(button);
  });
  frame.before(bar);
  // Fit a wide graph to the frame while its text stays readable; else scroll.
  if (width > frame.clientWidth && frame.clientWidth / width >= 0.75) zoom(0);
  // Drag the background to pan (links stay clickable: a drag starts off the nodes only).
  let drag = null;
  frame.addEventListener("pointerdown", (event) => {
    if (event.target.closest("a")) return;
    drag = { x: event.clientX, y: event.clientY, left: frame.scrollLeft, top: frame.scrollTop };
  });
  window.addEventListener("pointermove", (event) => {
    if (!drag) return;
    frame.scrollLeft = drag.left - (event.clientX - drag.x);
    frame.scrollTop = drag.top - (event.clientY - drag.y);
  });
  window.addEventListener("pointerup", () => { drag = null; });
});

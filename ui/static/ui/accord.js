// Small progressive enhancements; every page reads the same without JavaScript.
"use strict";

// Copy buttons: shown only when the clipboard can be used; they copy their data-copy text.
function enableCopyButtons(root) {
  if (!navigator.clipboard) return;
  root.querySelectorAll("button.copy[data-copy]").forEach((button) => {
    button.hidden = false;
    if (button.dataset.bound) return;
    button.dataset.bound = "1";
    const label = button.textContent;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(button.dataset.copy);
        button.textContent = "Copied";
      } catch {
        button.textContent = "Press Ctrl+C";
      }
      setTimeout(() => { button.textContent = label; }, 2000);
    });
  });
}

document.addEventListener("DOMContentLoaded", () => enableCopyButtons(document));
// htmx swaps in new content (results, pages): enhance it too.
document.addEventListener("htmx:afterSettle", (event) => enableCopyButtons(event.target));

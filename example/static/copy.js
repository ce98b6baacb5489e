// copy.js: a button with data-copy="<id>" copies the value (an input) or
// the text (anything else) of the element with that id to the clipboard.
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var button = e.target.closest("[data-copy]");
    if (!button || !navigator.clipboard) {
      return;
    }
    var el = document.getElementById(button.dataset.copy);
    if (!el) {
      return;
    }
    var text = "value" in el ? el.value : el.textContent;
    navigator.clipboard.writeText(text).then(function () {
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = "Copy"; }, 2000);
    }, function () {
      // No clipboard access (permission refused): select it to copy by hand.
      if (el.select) {
        el.select();
      } else {
        window.getSelection().selectAllChildren(el);
      }
    });
  });
})();

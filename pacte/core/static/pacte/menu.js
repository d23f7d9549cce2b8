/* The main menu folds behind its « Menu » button on a narrow screen (pacte.css, « Main menu on
   a narrow screen »). Without this script the button stays hidden and the whole menu shown.
   The button is a real button: Enter and Space open and close the menu; Escape closes it and
   gives the focus back to the button. */
(function () {
  "use strict";
  var nav = document.getElementById("navigation");
  var button = nav && nav.querySelector(".menu-toggle");
  var menu = button && document.getElementById(button.getAttribute("aria-controls"));
  if (!menu) {
    return;
  }
  function isOpen() {
    return button.getAttribute("aria-expanded") === "true";
  }
  function set(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    nav.classList.toggle("menu-open", open);
  }
  set(false);
  nav.classList.add("menu-ready");
  button.hidden = false;
  button.addEventListener("click", function () {
    set(!isOpen());
  });
  nav.addEventListener("keydown", function (event) {
    // Only where the button is shown (a narrow screen) does Escape fold the menu.
    if (event.key === "Escape" && isOpen() && button.offsetParent !== null) {
      set(false);
      button.focus();
    }
  });
})();

/* Sections shown one at a time behind tabs (WAI-ARIA Authoring Practices, « Tabs with
   automatic activation »), for a container marked data-tabs holding a list of links to its
   sections (.section-nav) and the sections themselves (.tab-panel, the links' targets).
   Without this script the links stay a table of contents and every section is shown.
   Left and Right arrows move to the previous or next tab (wrapping), Home and End to the first
   or last; Tab leaves the tab list for the section shown. The section chosen is written in the
   address (#etats…), so that a link, the back button or a filter form keeps it. */
(function () {
  "use strict";
  function setup(container) {
    var list = container.querySelector(".section-nav ul");
    if (!list) {
      return;
    }
    var tabs = [];
    var panels = [];
    Array.prototype.forEach.call(list.querySelectorAll("a[href^='#']"), function (link) {
      var panel = document.getElementById(link.getAttribute("href").slice(1));
      if (panel && container.contains(panel)) {
        tabs.push(link);
        panels.push(panel);
      }
    });
    if (!tabs.length) {
      return;
    }
    list.setAttribute("role", "tablist");
    Array.prototype.forEach.call(list.children, function (item) {
      item.setAttribute("role", "presentation");
    });
    tabs.forEach(function (tab, index) {
      var panel = panels[index];
      tab.id = "tab-" + panel.id;
      tab.setAttribute("role", "tab");
      tab.setAttribute("aria-controls", panel.id);
      panel.setAttribute("role", "tabpanel");
      panel.setAttribute("aria-labelledby", tab.id);
      panel.tabIndex = 0;
      tab.addEventListener("click", function (event) {
        event.preventDefault();
        select(index, false, true);
      });
      tab.addEventListener("keydown", function (event) {
        var target = {
          ArrowRight: (index + 1) % tabs.length,
          ArrowLeft: (index - 1 + tabs.length) % tabs.length,
          Home: 0,
          End: tabs.length - 1,
        }[event.key];
        if (target !== undefined) {
          event.preventDefault();
          select(target, true, true);
        }
      });
    });
    container.classList.add("tabs-ready");

    function select(chosen, focus, remember) {
      tabs.forEach(function (tab, index) {
        var selected = index === chosen;
        tab.setAttribute("aria-selected", selected ? "true" : "false");
        tab.tabIndex = selected ? 0 : -1;
        panels[index].hidden = !selected;
      });
      if (focus) {
        tabs[chosen].focus();
      }
      if (remember && window.history && window.history.replaceState) {
        window.history.replaceState(null, "", "#" + panels[chosen].id);
      }
    }

    function fromAddress() {
      return panels.findIndex(function (panel) {
        return "#" + panel.id === window.location.hash;
      });
    }
    select(Math.max(fromAddress(), 0), false, false);
    // A link to a section (or the back button) shows its tab.
    window.addEventListener("hashchange", function () {
      var chosen = fromAddress();
      if (chosen >= 0) {
        select(chosen, false, false);
      }
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-tabs]"), setup);
})();

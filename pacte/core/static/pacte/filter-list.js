/* A long list of checkboxes made searchable (includes/form_fields.html, a field whose widget is
   « FilteredCheckboxSelectMultiple »): a search field above the list narrows it as one types
   (accents, hyphens and capitals ignored, as Pacte's own search: « noeux les » finds
   « Nœux-les-Mines »; an INSEE code too), a status line says how many are shown, and the boxes
   ticked are listed apart, each with a button that unticks it. Keyboard: ↓ from the search goes
   to the first box shown, Échap empties the search, Entrée ticks the only box shown. Without this
   script, the list of checkboxes works alone. */
(function () {
  "use strict";

  // As pacte.territory.text.normalize: lower case, no accents, ligatures spelt out,
  // punctuation as single spaces.
  function normalize(text) {
    return text
      .replace(/œ/g, "oe").replace(/Œ/g, "oe").replace(/æ/g, "ae").replace(/Æ/g, "ae")
      .normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .toLowerCase().replace(/[^a-z0-9]+/g, " ").trim();
  }

  function plural(n, singular, pluralWord) {
    return n > 1 ? pluralWord : singular;
  }

  function make(tag, attributes, text) {
    var element = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      element.setAttribute(name, attributes[name]);
    });
    if (text) {
      element.textContent = text;
    }
    return element;
  }

  function setUp(fieldset) {
    if (fieldset.hasAttribute("data-filter-ready")) {
      return;
    }
    fieldset.setAttribute("data-filter-ready", "");
    var id = fieldset.getAttribute("data-filter-list");
    var options = fieldset.querySelector(".filter-list-options");
    var rows = Array.prototype.slice.call(options.querySelectorAll(".checkbox"));
    var items = rows.map(function (row) {
      var box = row.querySelector("input[type=checkbox]");
      var label = row.querySelector("label").textContent.trim();
      return {
        row: row,
        box: box,
        label: label,
        words: normalize(label) + " " + normalize(box.getAttribute("data-search") || ""),
      };
    });

    // The boxes ticked, listed apart, each removable.
    var chosen = make("div", {"class": "filter-list-chosen"});
    var chosenTitle = make("p", {"id": id + "_choisies", "class": "filter-list-chosen-title"});
    var chosenList = make("ul", {"aria-labelledby": id + "_choisies"});
    chosen.appendChild(chosenTitle);
    chosen.appendChild(chosenList);

    // The search field and the count of what it shows.
    var search = make("div", {"class": "filter-list-search"});
    var input = make("input", {
      "type": "search",
      "id": id + "_filtre",
      "autocomplete": "off",
      "spellcheck": "false",
      "aria-controls": options.id,
      "aria-describedby": id + "_compte",
    });
    var searchLabel = make("label", {"for": id + "_filtre"}, "Rechercher dans la liste (nom ou code INSEE)");
    var count = make("p", {"id": id + "_compte", "class": "hint", "role": "status"});
    search.appendChild(searchLabel);
    search.appendChild(input);
    search.appendChild(count);

    options.parentNode.insertBefore(chosen, options);
    options.parentNode.insertBefore(search, options);
    fieldset.classList.add("filter-list-ready");

    function say(text) {
      count.textContent = text;
    }

    function shown() {
      return items.filter(function (item) { return !item.row.hidden; });
    }

    function describe() {
      var query = input.value.trim();
      var n = shown().length;
      if (!query) {
        return items.length + " " + plural(items.length, "proposition", "propositions") + ".";
      }
      if (!n) {
        return "Aucune ne correspond à « " + query + " ».";
      }
      return n + " sur " + items.length + " " + plural(n, "correspond", "correspondent") + " à « " + query + " ».";
    }

    function filter() {
      var words = normalize(input.value).split(" ").filter(Boolean);
      items.forEach(function (item) {
        item.row.hidden = !words.every(function (word) {
          return item.words.indexOf(word) !== -1;
        });
      });
      say(describe());
    }

    function renderChosen(focusAfter) {
      var ticked = items.filter(function (item) { return item.box.checked; });
      chosenTitle.textContent = ticked.length
        ? "Cochées (" + ticked.length + ") :"
        : "Aucune n'est cochée.";
      chosenList.textContent = "";
      ticked.forEach(function (item, index) {
        var li = make("li", {"class": "chip"});
        li.appendChild(make("span", {}, item.label));
        var remove = make("button", {"type": "button", "class": "chip-remove"});
        remove.appendChild(make("span", {"aria-hidden": "true"}, "×"));
        remove.appendChild(make("span", {"class": "visually-hidden"}, "Retirer " + item.label));
        remove.addEventListener("click", function () {
          item.box.checked = false;
          var next = ticked[index + 1] || ticked[index - 1];
          renderChosen(next ? next.label : null);
          say(item.label + " retirée. " + describe());
        });
        li.appendChild(remove);
        chosenList.appendChild(li);
      });
      chosenList.hidden = !ticked.length;
      if (focusAfter !== undefined) {
        var buttons = Array.prototype.slice.call(chosenList.querySelectorAll("button"));
        var target = buttons.filter(function (button) {
          return button.textContent.indexOf("Retirer " + focusAfter) !== -1;
        })[0];
        (target || input).focus();
      }
    }

    input.addEventListener("input", filter);
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        var first = shown()[0];
        if (first) {
          event.preventDefault();
          first.box.focus();
        }
      } else if (event.key === "Escape" && input.value) {
        event.preventDefault();
        input.value = "";
        filter();
      } else if (event.key === "Enter") {
        // Never sends the form from the search field.
        event.preventDefault();
        var visible = shown();
        if (visible.length === 1) {
          visible[0].box.checked = true;
          renderChosen();
          input.value = "";
          filter();
          say(visible[0].label + " cochée. " + describe());
        }
      }
    });
    options.addEventListener("keydown", function (event) {
      var visible = shown();
      var at = visible.map(function (item) { return item.box; }).indexOf(document.activeElement);
      if (at === -1) {
        return;
      }
      if (event.key === "ArrowDown" && at < visible.length - 1) {
        event.preventDefault();
        visible[at + 1].box.focus();
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        (at > 0 ? visible[at - 1].box : input).focus();
      }
    });
    items.forEach(function (item) {
      item.box.addEventListener("change", function () {
        renderChosen();
        say(item.label + " " + (item.box.checked ? "cochée" : "décochée") + ". " + describe());
      });
    });
    renderChosen();
    filter();
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-filter-list]"), setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

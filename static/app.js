/*
 * App Integration console: progressive enhancement only. Every page works
 * without this file; it adds copy buttons and keyboard handling for the
 * server-rendered dialogs. No framework, no build step, no inline script (CSP).
 */
(function () {
  "use strict";

  var COPIED_MS = 2000;

  // ---------- live region ----------

  function announce(message) {
    var live = document.getElementById("live-region");
    if (!live) {
      return;
    }
    // Clear first so the same message is announced again on a second copy.
    live.textContent = "";
    window.setTimeout(function () {
      live.textContent = message;
    }, 50);
  }

  // ---------- copy buttons ----------

  function textOf(el) {
    if ("value" in el && typeof el.value === "string") {
      return el.value;
    }
    return el.textContent || "";
  }

  // copyByCommand is the fallback for browsers without the async clipboard API
  // (e.g. a console served over plain HTTP on a host other than localhost).
  function copyByCommand(target, text) {
    var ok = false;
    var active = document.activeElement;
    if (typeof target.select === "function") {
      target.focus();
      target.select();
      if (typeof target.setSelectionRange === "function") {
        target.setSelectionRange(0, text.length);
      }
    } else {
      var range = document.createRange();
      range.selectNodeContents(target);
      var sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
    }
    try {
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    if (active && typeof active.focus === "function") {
      active.focus();
    }
    return ok;
  }

  function copyText(target, text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(
        function () {
          return true;
        },
        function () {
          return copyByCommand(target, text);
        }
      );
    }
    return Promise.resolve(copyByCommand(target, text));
  }

  function showCopied(button) {
    button.classList.add("is-copied");
    button.setAttribute("data-copied", "true");
    window.clearTimeout(button._copiedTimer);
    button._copiedTimer = window.setTimeout(function () {
      button.classList.remove("is-copied");
    }, COPIED_MS);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy-target]") : null;
    if (!button) {
      return;
    }
    var target = document.getElementById(button.getAttribute("data-copy-target"));
    if (!target) {
      return;
    }
    event.preventDefault();
    copyText(target, textOf(target)).then(function (ok) {
      if (ok) {
        showCopied(button);
        announce("Copied");
      } else {
        // Leave the value selected so the user can press Ctrl+C / Cmd+C.
        if (typeof target.select === "function") {
          target.focus();
          target.select();
        }
        announce("Could not copy. The value is selected: copy it with your keyboard.");
      }
    });
  });

  // Clicking a read-only value selects all of it, ready to copy by hand.
  document.addEventListener("focusin", function (event) {
    var el = event.target;
    if (el && el.classList && el.classList.contains("mono-field") && typeof el.select === "function") {
      window.setTimeout(function () {
        if (document.activeElement === el) {
          el.select();
        }
      }, 0);
    }
  });

  // ---------- forms: no double submit ----------

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) {
      return;
    }
    if (form.getAttribute("data-submitting") === "true") {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-submitting", "true");
    var submit = form.querySelector("button[type=submit]");
    if (submit) {
      submit.setAttribute("aria-disabled", "true");
    }
  });

  // Coming back with the browser's back button must not leave forms locked.
  window.addEventListener("pageshow", function () {
    var forms = document.querySelectorAll("form[data-submitting]");
    for (var i = 0; i < forms.length; i++) {
      forms[i].removeAttribute("data-submitting");
      var submit = forms[i].querySelector("button[type=submit]");
      if (submit) {
        submit.removeAttribute("aria-disabled");
      }
    }
  });

  // ---------- dialogs ----------

  var FOCUSABLE = [
    "a[href]",
    "button:not([disabled])",
    "input:not([disabled]):not([type=hidden])",
    "select:not([disabled])",
    "textarea:not([disabled])",
    "[tabindex]:not([tabindex='-1'])"
  ].join(",");

  function focusables(root) {
    var all = root.querySelectorAll(FOCUSABLE);
    var out = [];
    for (var i = 0; i < all.length; i++) {
      var el = all[i];
      if (el.getClientRects().length === 0) {
        continue; // not rendered
      }
      // Only the checked radio of a group (or the first, if none) takes Tab.
      if (el.type === "radio" && el.name) {
        var group = root.querySelectorAll("input[type=radio][name='" + cssEscape(el.name) + "']");
        var checked = null;
        for (var j = 0; j < group.length; j++) {
          if (group[j].checked) {
            checked = group[j];
          }
        }
        if (el !== (checked || group[0])) {
          continue;
        }
      }
      out.push(el);
    }
    return out;
  }

  function cssEscape(s) {
    if (window.CSS && typeof window.CSS.escape === "function") {
      return window.CSS.escape(s);
    }
    return s.replace(/["'\\\]]/g, "\\$&");
  }

  function initialFocus(dialog) {
    return (
      dialog.querySelector("[aria-invalid=true]") ||
      dialog.querySelector("[autofocus]") ||
      focusables(dialog)[0] ||
      dialog
    );
  }

  function focusInto(dialog) {
    var el = initialFocus(dialog);
    if (el === dialog) {
      dialog.setAttribute("tabindex", "-1");
    }
    el.focus();
    if (el.getAttribute("aria-invalid") === "true" && typeof el.select === "function" && el.type !== "radio" && el.type !== "checkbox") {
      el.select();
    }
  }

  // closeDialog leaves the dialog the way Cancel/Close would: by navigating to
  // data-close-url. A dialog with data-confirm-close (the one showing a new
  // secret) asks first unless a copy button in it has been used.
  function closeDialog(dialog) {
    var url = dialog.getAttribute("data-close-url");
    if (!url) {
      return;
    }
    var question = dialog.getAttribute("data-confirm-close");
    if (question && !dialog.querySelector("[data-copy-target='created-secret'][data-copied]")) {
      if (!window.confirm(question)) {
        return;
      }
    }
    window.location.assign(url);
  }

  function trapTab(dialog, event) {
    var items = focusables(dialog);
    if (items.length === 0) {
      event.preventDefault();
      dialog.focus();
      return;
    }
    var first = items[0];
    var last = items[items.length - 1];
    var active = document.activeElement;
    if (event.shiftKey && (active === first || !dialog.contains(active))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || !dialog.contains(active))) {
      event.preventDefault();
      first.focus();
    }
  }

  function initDialog() {
    var dialog = document.querySelector("dialog.modal[open]");
    if (!dialog) {
      return;
    }
    // autofocus has already done its work when the page loaded without us;
    // move focus only when it is not inside the dialog yet, or onto an error.
    if (!dialog.contains(document.activeElement) || dialog.querySelector("[aria-invalid=true]")) {
      focusInto(dialog);
    }

    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" || event.key === "Esc") {
        if (event.defaultPrevented || event.isComposing) {
          return;
        }
        event.preventDefault();
        closeDialog(dialog);
      } else if (event.key === "Tab") {
        trapTab(dialog, event);
      }
    });

    // Focus that escapes (e.g. from the address bar back into the page) returns.
    document.addEventListener("focusin", function (event) {
      if (!dialog.contains(event.target)) {
        focusInto(dialog);
      }
    });

    // The backdrop deliberately does nothing: a stray click must not lose a
    // secret or a half-filled form.
  }

  // ---------- client dialog: purpose-specific fields ----------

  // Without this, the Add dialog shows the fields of the purpose it was
  // rendered with and a "Continue" button that re-renders it for another one.
  // With it, picking a purpose shows (and enables) its fields in place.
  function initPurposeSwitch() {
    var form = document.querySelector("form[data-testid='client-form']");
    if (!form || !form.querySelector("input[type=radio][name=purpose]")) {
      return;
    }
    var cont = form.querySelector("[data-purpose-continue]");
    if (cont) {
      cont.hidden = true;
    }
    var hint = form.querySelector("[data-testid='hint-token_lifetime']");
    var value = form.querySelector("input[name=token_lifetime]");
    var unit = form.querySelector("select[name=token_lifetime_unit]");
    var checked = form.querySelector("input[type=radio][name=purpose]:checked");
    var current = checked ? checked.value : "";

    function defaultsOf(purpose) {
      var d = hint ? hint.getAttribute("data-default-" + purpose) : null;
      return d ? d.split(" ") : null;
    }

    function show(purpose) {
      var groups = form.querySelectorAll("[data-purpose-fields]");
      for (var i = 0; i < groups.length; i++) {
        var on = groups[i].getAttribute("data-purpose-fields") === purpose;
        groups[i].hidden = !on;
        groups[i].disabled = !on;
      }
      var text = hint ? hint.getAttribute("data-hint-" + purpose) : null;
      if (text) {
        hint.textContent = text;
      }
      // A lifetime still at the old purpose's default takes the new default.
      var before = defaultsOf(current);
      var after = defaultsOf(purpose);
      if (value && unit && before && after && value.value === before[0] && unit.value === before[1]) {
        value.value = after[0];
        unit.value = after[1];
      }
      current = purpose;
    }

    form.addEventListener("change", function (event) {
      var el = event.target;
      if (el && el.name === "purpose" && el.type === "radio" && el.checked) {
        show(el.value);
      }
    });
  }

  // ---------- single sign-on ----------

  var VERIFIED_KEY = "appint-sso-verified";

  function initSSO() {
    // The HTTP-POST binding: send the AuthnRequest to the identity provider
    // at once (the form has a button for browsers without JavaScript).
    var post = document.querySelector("form[data-autosubmit]");
    if (post) {
      post.submit();
    }
    // A verification ended in this tab: tell the Security tab in the other.
    if (document.querySelector("[data-sso-verified]")) {
      try {
        window.localStorage.setItem(VERIFIED_KEY, String(Date.now()));
      } catch (e) {
        // storage unavailable: the Security tab shows the result on reload
      }
    }
    // The Security tab reloads to show a verification's outcome.
    if (document.querySelector("[data-sso-reload]")) {
      window.addEventListener("storage", function (event) {
        if (event.key === VERIFIED_KEY) {
          window.location.reload();
        }
      });
    }
  }

  function init() {
    initPurposeSwitch();
    initDialog();
    initSSO();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

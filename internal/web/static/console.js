// Orchestera console: small enhancements of pages that work without them.
// No framework and no dependency; nothing here is needed to use a page.
"use strict";
(function () {
  // Copy buttons: data-copy names the element whose text is copied.
  document.addEventListener("click", function (e) {
    var b = e.target.closest("button[data-copy]");
    if (!b) return;
    var el = document.getElementById(b.dataset.copy);
    var text = el ? el.textContent : "";
    var done = function () { b.textContent = "Copied"; setTimeout(function () { b.textContent = "Copy"; }, 1500); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done);
    } else { // plain http off loopback: select it for the person to copy
      var r = document.createRange(); r.selectNodeContents(el);
      var s = window.getSelection(); s.removeAllRanges(); s.addRange(r);
      b.textContent = "Selected: press Ctrl+C";
    }
  });

  // Live validation: data-validate is a URL answering {ok, message} for
  // ?name=value, the domain's own rule.
  document.querySelectorAll("input[data-validate]").forEach(function (input) {
    var msg = document.getElementById(input.id + "-msg"), timer;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        fetch(input.dataset.validate + "?" + new URLSearchParams({ name: input.value }), { headers: { Accept: "application/json" } })
          .then(function (r) { return r.json(); })
          .then(function (v) {
            msg.textContent = v.ok ? "" : v.message;
            if (v.ok) input.removeAttribute("aria-invalid"); else input.setAttribute("aria-invalid", "true");
          });
      }, 200);
    });
  });

  // Live progress: the server sends the section rendered and escaped by
  // its templates; "settled" means the page's actions changed: reload.
  document.querySelectorAll("[data-live]").forEach(function (el) {
    var es = new EventSource(el.dataset.live);
    es.addEventListener("progress", function (e) { el.innerHTML = e.data; });
    es.addEventListener("settled", function () { es.close(); location.reload(); });
  });

  // Live logs: appended as text, never as markup.
  document.querySelectorAll("pre[data-log]").forEach(function (pre) {
    var es = new EventSource(pre.dataset.log);
    es.addEventListener("log", function (e) {
      var bottom = pre.scrollHeight - pre.scrollTop - pre.clientHeight < 40;
      pre.appendChild(document.createTextNode(e.data));
      if (bottom) pre.scrollTop = pre.scrollHeight;
    });
    es.addEventListener("end", function () { es.close(); location.reload(); });
  });

  // Typed confirmation: the destroy button waits for the stack's name (the
  // server checks it too).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    var input = form.querySelector("input[name=confirm]"), button = form.querySelector("button[type=submit]");
    var sync = function () { button.disabled = input.value.trim() !== form.dataset.confirm; };
    input.addEventListener("input", sync); sync();
  });
})();

// The moderator console's few interactions: keys, lease countdown, wellness toggles, break
// reminder. No inline script anywhere (CSP script-src 'self'); htmx does the requests.
(function () {
  "use strict";
  const body = document.body;
  const csrf = () => body.dataset.csrf || "";
  let leaseTimer = null;

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.from((root || document).querySelectorAll(sel)); }

  function flash(text) {
    const box = $("#flash");
    if (!box) return;
    box.textContent = text;
    box.hidden = false;
    clearTimeout(flash.timer);
    flash.timer = setTimeout(() => { box.hidden = true; }, 6000);
  }

  function errorText(code) {
    const texts = $("#error-texts");
    return (texts && texts.dataset[code]) || code;
  }

  function startLease() {
    clearInterval(leaseTimer);
    const el = $("#lease-left");
    if (!el) return;
    const ends = Date.parse(el.dataset.expires);
    const tick = () => {
      const left = Math.round((ends - Date.now()) / 1000);
      if (left <= 0) { el.textContent = el.dataset.expired; clearInterval(leaseTimer); return; }
      const m = Math.floor(left / 60), s = left % 60;
      el.textContent = m + ":" + String(s).padStart(2, "0");
    };
    tick();
    leaseTimer = setInterval(tick, 1000);
  }

  function savePref(name, on) {
    const form = new URLSearchParams();
    form.set(name, on ? "on" : "off");
    fetch("/console/prefs", { method: "POST", body: form, credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf() } }).then((r) => { if (!r.ok) flash(r.status + ""); });
  }

  function toggle(cls, pref) {
    const on = !body.classList.contains(cls);
    body.classList.toggle(cls, on);
    savePref(pref, on);
  }

  function move(step) {
    const targets = $all("main .pair").length ? $all("main .pair") : $all("main .row-link");
    if (!targets.length) return;
    const current = targets.indexOf(document.activeElement);
    const next = current < 0 ? (step > 0 ? 0 : targets.length - 1)
      : Math.min(targets.length - 1, Math.max(0, current + step));
    targets[next].focus();
    targets[next].scrollIntoView({ block: "nearest" });
  }

  function decide(key) {
    const form = $("#decide");
    const radio = form && $('input[name=decision][data-key="' + key + '"]', form);
    if (form && $("fieldset", form).disabled) { flash(errorText("not_lease_holder")); return; }
    if (!radio || radio.disabled) return;
    radio.checked = true;
    const reason = $("#reason", form);
    const group = reason.selectedOptions[0] && reason.selectedOptions[0].parentElement;
    if (!group || group.dataset.decision !== radio.value) reason.value = radio.dataset.defaultReason;
    form.requestSubmit();
  }

  function click(sel) { const el = $(sel); if (el && !el.disabled) el.click(); }

  const keys = {
    "?": () => { const d = $("#help"); if (d && !d.open) d.showModal(); },
    a: () => decide("a"), r: () => decide("r"), e: () => decide("e"),
    j: () => move(1), k: () => move(-1),
    n: () => { const f = $("#start-reviewing") || $("#next-item"); if (f) f.click(); },
    c: () => click("#claim"), u: () => click("#release"),
    b: () => toggle("blur-on", "blur"), g: () => toggle("grey-on", "greyscale"),
    t: () => { const d = $("#normalized"); if (d) d.open = !d.open; },
  };

  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const t = ev.target;
    if (t.closest && t.closest("input, textarea, select, [contenteditable]")) return;
    if ($("dialog[open]")) return;
    const action = keys[ev.key];
    if (action) { ev.preventDefault(); action(); }
  });

  document.addEventListener("click", (ev) => {
    const el = ev.target.closest && ev.target.closest("[data-action]");
    if (!el) return;
    if (el.dataset.action === "help") keys["?"]();
    if (el.dataset.action === "dismiss-break") {
      $("#break-reminder").hidden = true;
      sessionStorage.setItem("trustd-break-dismissed", String(Date.now()));
    }
  });

  document.addEventListener("change", (ev) => {
    if (ev.target.matches && ev.target.matches("[data-autosubmit]")) ev.target.form.requestSubmit();
  });

  function breakCheck() {
    const started = Date.parse(body.dataset.sessionStarted || "");
    const minutes = Number(body.dataset.breakMinutes || 0);
    const banner = $("#break-reminder");
    if (!banner || !started || !minutes) return;
    const dismissed = Number(sessionStorage.getItem("trustd-break-dismissed") || 0);
    const since = Math.max(started, dismissed);
    const elapsed = (Date.now() - started) / 60000;
    if (Date.now() - since >= minutes * 60000) {
      const span = $("span", banner);
      span.textContent = span.dataset.template.replace("%(minutes)s", String(Math.floor(elapsed)));
      banner.hidden = false;
    }
  }

  document.addEventListener("htmx:afterSettle", () => {
    startLease();
    const heading = $("main h1");
    if (heading) { heading.tabIndex = -1; heading.focus({ preventScroll: false }); }
  });
  document.addEventListener("htmx:responseError", (ev) => {
    let text = ev.detail.xhr.statusText || String(ev.detail.xhr.status);
    try {
      const error = JSON.parse(ev.detail.xhr.responseText).error;
      const known = errorText(error.code);
      text = known !== error.code ? known : error.message;
    } catch (e) { /* not JSON: keep the status */ }
    flash(text);
  });

  startLease();
  breakCheck();
  setInterval(breakCheck, 30000);
})();

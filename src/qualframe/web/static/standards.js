/* The standards editor: forms marked data-api are sent to the JSON API (with the page's CSRF token),
   field names like "fields.name.kk" become nested JSON; on success the page reloads, on an error
   (409 for an edit based on an old version, 422 for a refused value) the message is shown next to the form. */
(function () {
  "use strict";
  function csrf() {
    var el = document.querySelector("input[name=csrf_token]");
    return el ? el.value : "";
  }
  function setPath(obj, path, value) {
    var keys = path.split("."), o = obj;
    for (var i = 0; i < keys.length - 1; i++) { o = o[keys[i]] = o[keys[i]] || {}; }
    o[keys[keys.length - 1]] = value;
  }
  function valueOf(el) {
    if (el.type === "checkbox") { return el.checked; }
    if (el.dataset.list !== undefined) {
      return el.value.split(",").map(function (s) { return s.trim(); }).filter(Boolean);
    }
    if (el.dataset.int !== undefined) { return el.value ? parseInt(el.value, 10) : null; }
    return el.value;
  }
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.matches("form[data-api]")) { return; }
    ev.preventDefault();
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) { return; }
    var body = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token") { return; }
      var v = valueOf(el);
      if (el.dataset.optional !== undefined && (v === "" || v === null)) { return; }
      setPath(body, el.name, v);
    });
    var out = form.querySelector(".result");
    var opts = {method: form.dataset.method || "POST", credentials: "same-origin",
                headers: {"content-type": "application/json", "accept": "application/json", "x-csrf-token": csrf()}};
    if (form.dataset.nobody === undefined) { opts.body = JSON.stringify(body); }
    fetch(form.dataset.api, opts).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (data) { return [r, data]; });
    }).then(function (res) {
      var r = res[0], data = res[1];
      if (r.ok) {
        if (form.dataset.next) {
          window.location.href = form.dataset.next.replace("{sid}", (data && data.sid) || "");
        } else { window.location.reload(); }
        return;
      }
      var msg = (data && data.error && data.error.message) || ("HTTP " + r.status);
      if (out) { out.textContent = msg; out.className = "result error"; } else { window.alert(msg); }
    });
  });
})();

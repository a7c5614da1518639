// Upload a document through the admin API: the token is asked for, kept for this tab only
// (sessionStorage), and sent as a bearer header; the server's answer is shown as text.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) return;
  var status = document.getElementById("upload-status");
  var send = document.getElementById("upload-send");
  form.token.value = sessionStorage.getItem("qa-admin-token") || "";

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var file = form.file.files[0];
    if (!file) return;
    var token = form.token.value.trim();
    sessionStorage.setItem("qa-admin-token", token);
    var body = new FormData();
    body.append("file", file, file.name);
    body.append("overwrite", form.overwrite.checked ? "true" : "false");
    send.disabled = true;
    status.textContent = "正在上传并更新索引…";
    fetch("/admin/documents?wait=true", {method: "POST", headers: {"Authorization": "Bearer " + token}, body: body})
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (j) { return {ok: r.ok, code: r.status, j: j}; });
      })
      .then(function (res) {
        if (res.ok) {
          var st = res.j.status || {};
          var errors = (st.file_errors || []).filter(function (e) { return e.path === res.j.doc_id; });
          status.textContent = errors.length ? "已上传，但无法读取：" + errors[0].reason
                                             : "已上传 " + res.j.doc_id + "，索引已更新。";
          if (!errors.length) setTimeout(function () { location.reload(); }, 800);
        } else {
          status.textContent = "上传失败（" + res.code + "）：" + (res.j.detail || "");
        }
      })
      .catch(function (e) { status.textContent = "上传失败：" + e; })
      .then(function () { send.disabled = false; });
  });
})();

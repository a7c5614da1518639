// Chat page behaviour. Every piece of document text goes into the page through textContent,
// never innerHTML, so a document containing markup shows as text.
(function () {
  "use strict";
  var KEY = "qa-conversation";
  var form = document.getElementById("ask-form");
  var input = document.getElementById("question");
  var conv = document.getElementById("conversation");
  var clearBtn = document.getElementById("clear");
  var sendBtn = document.getElementById("send");
  var busy = false;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function save(items) {
    try { localStorage.setItem(KEY, JSON.stringify(items.slice(-50))); } catch (e) { /* storage full or off */ }
  }

  function excerpt(c) {
    // Split the excerpt at the sentence and answer highlights.
    var p = el("p", "excerpt");
    var text = c.excerpt, cuts = [0, text.length];
    [c.highlight, c.answer_highlight].forEach(function (s) { if (s) { cuts.push(s[0], s[1]); } });
    cuts = cuts.filter(function (x, i, a) { return a.indexOf(x) === i && x >= 0 && x <= text.length; })
               .sort(function (a, b) { return a - b; });
    for (var i = 0; i + 1 < cuts.length; i++) {
      var a = cuts[i], b = cuts[i + 1], cls = "";
      if (c.highlight && c.highlight[0] <= a && b <= c.highlight[1]) cls = "hl";
      if (c.answer_highlight && c.answer_highlight[0] <= a && b <= c.answer_highlight[1]) cls = "ans";
      var part = text.slice(a, b);
      p.appendChild(cls ? el("mark", cls, part) : document.createTextNode(part));
    }
    return p;
  }

  function answerBubble(r) {
    var bubble = el("div", "bubble");
    if (r.error) { bubble.classList.add("error"); bubble.textContent = r.error; return bubble; }
    if (r.status !== "answered") { bubble.appendChild(el("div", "no-answer", r.message || "文档中没有找到相关答案。")); return bubble; }
    var ans = el("div", "answer");
    ans.appendChild(el("span", "label", "答案"));
    ans.appendChild(el("strong", "answer-text", r.answer));
    bubble.appendChild(ans);
    if (r.sentence && r.sentence !== r.answer) {
      var s = el("p", "sentence");
      s.appendChild(el("span", "label", "依据"));
      s.appendChild(document.createTextNode(r.sentence));
      bubble.appendChild(s);
    }
    bubble.appendChild(el("p", "meta", "置信度 " + Number(r.confidence).toFixed(2)));
    var ol = el("ol", "sources");
    (r.citations || []).forEach(function (c, i) {
      var li = el("li", "source");
      var t = el("div", "source-title");
      t.appendChild(el("span", "num", "[" + (i + 1) + "]"));
      t.appendChild(document.createTextNode(" " + c.title));
      li.appendChild(t);
      li.appendChild(excerpt(c));
      var a = el("a", "source-link", "查看原文 · " + c.doc_id + " · " +
        (c.location ? c.location : "第 " + c.start + "–" + c.end + " 字"));
      a.href = c.url;
      li.appendChild(a);
      ol.appendChild(li);
    });
    bubble.appendChild(ol);
    return bubble;
  }

  function addTurn(question, response) {
    var u = el("div", "msg user");
    u.appendChild(el("div", "bubble", question));
    conv.appendChild(u);
    var b = el("div", "msg bot");
    if (response) b.appendChild(answerBubble(response));
    else { var l = el("div", "bubble loading"); l.appendChild(el("span", "spinner")); l.appendChild(document.createTextNode("正在查找答案……")); b.appendChild(l); }
    conv.appendChild(b);
    b.scrollIntoView({ block: "end" });
    clearBtn.hidden = false;
    return b;
  }

  function ask(question) {
    question = question.trim();
    if (!question || busy) return;
    busy = true; sendBtn.disabled = true; input.value = "";
    var slot = addTurn(question, null);
    fetch("/ask", { method: "POST", headers: { "Content-Type": "application/json" },
                    body: JSON.stringify({ question: question, top_k: 5 }) })
      .then(function (res) {
        return res.json().then(function (body) {
          if (!res.ok) return { error: (body && body.detail) || ("请求失败 (" + res.status + ")") };
          return body;
        });
      })
      .catch(function () { return { error: "无法连接服务器，请稍后再试。" }; })
      .then(function (r) {
        slot.textContent = "";
        slot.appendChild(answerBubble(r));
        slot.scrollIntoView({ block: "end" });
        var items = load(); items.push({ q: question, r: r }); save(items);
        busy = false; sendBtn.disabled = false; input.focus();
      });
  }

  form.addEventListener("submit", function (e) { e.preventDefault(); ask(input.value); });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); ask(input.value); }
  });
  Array.prototype.forEach.call(document.querySelectorAll(".example"), function (b) {
    b.addEventListener("click", function () { input.value = b.textContent; ask(b.textContent); });
  });
  clearBtn.addEventListener("click", function () {
    save([]); conv.textContent = ""; clearBtn.hidden = true; input.focus();
  });
  load().forEach(function (t) { addTurn(t.q, t.r); });
})();

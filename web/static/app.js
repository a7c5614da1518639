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

  function history() {
    // The earlier turns sent with each question, so a follow-up can be understood.
    return load().filter(function (t) { return t.r && !t.r.error; }).slice(-10).map(function (t) {
      return { question: t.q, answer: t.r.status === "answered" ? t.r.answer : null };
    });
  }

  function understood(question, r, bubble) {
    if (r.resolved_question && r.resolved_question !== question) {
      bubble.appendChild(el("p", "understood", "理解为：" + r.resolved_question));
    }
  }

  function feedbackButtons(question, r) {
    var box = el("div", "feedback");
    [["up", "👍 有用", "有帮助"], ["down", "👎 没用", "没有帮助"]].forEach(function (v) {
      var b = el("button", "vote", v[1]);
      b.type = "button"; b.title = v[2]; b.setAttribute("aria-label", v[2]); b.dataset.verdict = v[0];
      b.addEventListener("click", function () {
        Array.prototype.forEach.call(box.querySelectorAll("button"), function (x) { x.disabled = true; });
        var cites = (r.citations || []).map(function (c) {
          return { doc_id: c.doc_id, location: c.location, start: c.start, end: c.end };
        });
        fetch("/feedback", { method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ question: question, resolved_question: r.resolved_question || null,
                                 answer: r.answer || null, citations: cites, verdict: v[0] }) })
          .then(function (res) { box.appendChild(el("span", "meta", res.ok ? "谢谢反馈" : "反馈未能提交")); })
          .catch(function () { box.appendChild(el("span", "meta", "反馈未能提交")); });
      });
      box.appendChild(b);
    });
    return box;
  }

  function answerBubble(question, r) {
    var bubble = el("div", "bubble");
    if (r.error) { bubble.classList.add("error"); bubble.textContent = r.error; return bubble; }
    if (r.status !== "answered") {
      bubble.appendChild(el("div", "no-answer", r.message || "文档中没有找到相关答案。"));
      understood(question, r, bubble);
      bubble.appendChild(feedbackButtons(question, r));
      return bubble;
    }
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
    understood(question, r, bubble);
    bubble.appendChild(el("p", "meta", "置信度 " + Number(r.confidence).toFixed(2)));
    bubble.appendChild(feedbackButtons(question, r));
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
    if (response) b.appendChild(answerBubble(question, response));
    else { var l = el("div", "bubble loading"); l.appendChild(el("span", "spinner")); l.appendChild(document.createTextNode("正在查找答案……")); b.appendChild(l); }
    conv.appendChild(b);
    reveal(b);
    clearBtn.hidden = false;
    return b;
  }

  function reveal(slot) {
    // The reply's answer line goes just under the header, so neither the header nor the sticky
    // input box covers it, whatever the reply's length (CSS scroll-margin-top does the rest).
    var line = slot.querySelector(".answer, .no-answer, .error, .loading") || slot;
    line.scrollIntoView({ block: "start" });
  }

  function ask(question) {
    question = question.trim();
    if (!question || busy) return;
    busy = true; sendBtn.disabled = true; input.value = "";
    var slot = addTurn(question, null);
    fetch("/ask", { method: "POST", headers: { "Content-Type": "application/json" },
                    body: JSON.stringify({ question: question, top_k: 5, history: history() }) })
      .then(function (res) {
        return res.json().then(function (body) {
          if (!res.ok) return { error: (body && body.detail) || ("请求失败 (" + res.status + ")") };
          return body;
        });
      })
      .catch(function () { return { error: "无法连接服务器，请稍后再试。" }; })
      .then(function (r) {
        slot.textContent = "";
        slot.appendChild(answerBubble(question, r));
        reveal(slot);
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

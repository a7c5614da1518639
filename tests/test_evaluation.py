import json

from qa.evaluation import em_score, f1_score, run_eval


def test_cmrc_metrics():
    assert em_score(["77.6亿元"], "77.6亿元。") == 1.0
    assert em_score(["77.6亿元"], "约77.6亿元") == 0.0
    assert f1_score(["77.6亿元"], "77.6亿元") == 1.0
    # characters, through the longest common substring; English words and numbers count whole
    assert abs(f1_score(["北京大学"], "北京") - 2 * (1.0 * 0.5) / 1.5) < 1e-9
    assert f1_score(["New York"], "New Jersey") == 2 * 0.5 * 0.5 / 1.0
    assert f1_score(["甲", "乙丙"], "乙丙丁") == max(0.0, 2 * (2 / 3) * 1 / (2 / 3 + 1))
    assert f1_score(["abc"], "") == 0.0


def test_eval_runs_end_to_end_on_a_small_squad_file(tmp_path, base_settings, embedder, reader, capsys):
    data = {"version": "test", "data": [{"title": "t", "paragraphs": [
        {"context": "凌源市地区生产总值实现77.6亿元，同比增长3.5%。公共财政预算收入完成6.1亿元。",
         "qas": [{"id": "q1", "question": "凌源市地区生产总值实现了多少？",
                  "answers": [{"text": "77.6亿元", "answer_start": 11}]}]},
        {"context": "朝阳市森林覆盖率为48.6%。全市有森林公园5个。",
         "qas": [{"id": "q2", "question": "朝阳市森林覆盖率是多少？",
                  "answers": [{"text": "48.6%", "answer_start": 9}]}]}]}]}
    path = tmp_path / "mini.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "result.json"
    assert run_eval(path, base_settings, out=out, work=tmp_path / "work") == 0
    m = json.loads(out.read_text())["metrics"]
    assert m["questions"] == 2 and m["hybrid_R@1"] == 1.0 and m["EM"] == 100.0 and m["sentence_hit@1"] == 1.0
    assert "| hybrid_R@5" in capsys.readouterr().out
    # The other modes with the session's models (the first run loaded its own, as `qa eval` does).
    assert run_eval(path, base_settings, mode="gold", out=out, work=tmp_path / "work", embedder=embedder, reader=reader) == 0
    m = json.loads(out.read_text())["metrics"]
    assert m["mode"] == "gold" and m["EM"] == 100.0
    # Without the paragraphs that hold the answers, the right reply is a refusal.
    assert run_eval(path, base_settings, mode="unanswerable", out=out, work=tmp_path / "work",
                    embedder=embedder, reader=reader) == 0
    m = json.loads(out.read_text())["metrics"]
    assert m["mode"] == "unanswerable" and m["refusal_rate"] == 1.0

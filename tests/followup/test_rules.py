"""Follow-up questions resolved from the conversation, on the seed corpus (real jieba, the
index's own IDF), and through /ask."""

import pytest
from fastapi.testclient import TestClient

from qa.followup import Turn, index_salience, resolve
from qa.followup.focus import conversation_chunk
from qa.serve.app import create_app
from qa.service import QAService


@pytest.fixture(scope="module")
def salience(seed_index):
    return index_salience(seed_index)


def standalone(salience, question, *earlier):
    return resolve(question, [Turn(q, a) for q, a in earlier], salience)


def test_pronoun_takes_the_latest_name(salience):
    r = standalone(salience, "该市的贫困发生率降到多少？", ("朝阳市累计脱贫多少人？", None))
    assert r.question == "朝阳市的贫困发生率降到多少？" and r.rule == "pronoun"
    r = standalone(salience, "它的森林覆盖率是多少？", ("凌源市截至6月末地区生产总值是多少？", "77.6亿元"),
                   ("那朝阳呢？", "7%"))
    assert r.question == "朝阳的森林覆盖率是多少？"
    # a question that names a subject of its own moves the conversation to it
    r = standalone(salience, "该市的贫困发生率降到多少？", ("凌源市截至6月末地区生产总值是多少？", "77.6亿元"),
                   ("朝阳市累计脱贫多少人？", None))
    assert r.question == "朝阳市的贫困发生率降到多少？"


def test_a_pointer_with_a_measure_of_its_own_stands_for_the_holder(salience):
    # the last question asked the quantity of "朝阳市地区生产总值": "它的森林覆盖率" is 朝阳市's
    for asked in ("朝阳市地区生产总值是多少？", "2019年上半年朝阳市地区生产总值同比增长多少？"):
        assert standalone(salience, "它的森林覆盖率是多少？", (asked, "7%")).question == "朝阳市的森林覆盖率是多少？"
    # a topic asked about otherwise is the holder itself
    assert standalone(salience, "它的总投资是多少？", ("龙城区高性能膜项目什么时候投产？", None)).question == \
        "龙城区高性能膜项目的总投资是多少？"
    assert standalone(salience, "它的系主任是谁？", ("北京大学物理系有多少名教授？", None)).question == \
        "北京大学物理系的系主任是谁？"
    # without a measure of its own the pointer still takes the whole topic
    assert standalone(salience, "它同比增长多少？", ("朝阳市地区生产总值是多少？", None)).question == \
        "朝阳市地区生产总值同比增长多少？"


def test_missing_subject_is_carried_and_one_part_swapped(salience):
    first = ("龙城区高性能膜项目总投资多少？", "10亿元")
    assert standalone(salience, "什么时候投产？", first).question == "龙城区高性能膜项目什么时候投产？"
    r = standalone(salience, "那凌源呢？", first, ("什么时候投产？", None))
    assert (r.question, r.rule) == ("凌源高性能膜项目什么时候投产？", "swap")
    assert standalone(salience, "同比增长多少？", ("凌源市截至6月末地区生产总值是多少？", "77.6亿元")).question == \
        "凌源市地区生产总值同比增长多少？"
    # a measure swaps for the measure, the place stays
    assert standalone(salience, "那一般公共预算收入呢？", ("2019年上半年朝阳市地区生产总值同比增长多少？", "7%")).question \
        == "2019年上半年朝阳市一般公共预算收入同比增长多少？"
    assert standalone(salience, "固定资产投资呢？", ("2019年上半年朝阳市地区生产总值同比增长多少？", "7%"),
                      ("那一般公共预算收入呢？", "9.1%")).question == "2019年上半年朝阳市固定资产投资同比增长多少？"


def test_a_quoted_or_numbered_name_is_carried_whole(salience):
    # jieba tags "161" and the quotes apart from 工程; the name is "161工程" all the same
    assert standalone(salience, "谁提出的？", ("凌源市的161工程是什么？", None)).question == "凌源市161工程谁提出的？"
    assert standalone(salience, "谁提出的？", ("“161”工程是什么？", None)).question == "“161”工程谁提出的？"


def test_an_abbreviated_noun_is_part_of_the_phrase_a_swap_replaces(salience):
    # jieba tags 中小企业 as an abbreviation: the measure swapped is 培育科技型中小企业, not 培育科技型
    r = standalone(salience, "高新技术企业呢？", ("龙城区已培育科技型中小企业多少家？", "66家"))
    assert (r.question, r.rule) == ("龙城区已高新技术企业多少家？", "swap")  # 企业 of either kind are counted in 家


def test_a_swapped_measure_replaces_the_one_asked_and_its_unit(salience):
    asked = ("辽阳市空气质量优良天数为多少天？", "299天")
    # the measure asked the quantity of is 天数 (nearest the question word), and 天 counted it
    assert standalone(salience, "达标率呢？", asked).question == "辽阳市空气质量优良达标率为多少？"
    assert standalone(salience, "達標率呢？", ("遼陽市空氣品質優良天數為多少天？", "299天")).question == \
        "遼陽市空氣品質優良達標率為多少？"
    # a question with no phrase but its name asked about its predicate: that is what swaps
    r = standalone(salience, "贫困发生率呢？", ("朝阳市累计脱贫多少人？", None))
    assert r.question == "朝阳市贫困发生率多少？"
    assert standalone(salience, "那辽阳市呢？", ("朝阳市累计脱贫多少人？", None), ("贫困发生率呢？", None)).question \
        == "辽阳市贫困发生率多少？"
    # "那里…呢？" points back rather than swaps
    r = standalone(salience, "那里的空气质量优良天数呢？", ("朝阳市的森林覆盖率是多少？", "48.6%"))
    assert (r.question, r.rule) == ("朝阳市的空气质量优良天数呢？", "pronoun")
    # a measure that opens with a Latin word is no name: 辽阳市 stays
    r = standalone(salience, "PM2.5浓度呢？", asked, ("达标率呢？", "81.7%"))
    assert r.question.startswith("辽阳市") and "PM2.5浓度" in r.question


@pytest.mark.parametrize("question", ["辽阳市2021年地区生产总值是多少？", "朝阳市累计脱贫多少人？",
                                      "凌源市截至6月末地区生产总值是多少？"])
def test_a_complete_question_is_left_alone(salience, question):
    r = standalone(salience, question, ("龙城区高性能膜项目总投资多少？", "10亿元"), ("什么时候投产？", None))
    assert r.question == question and r.rule in ("complete", "named", "own")


def test_no_history_changes_nothing(salience):
    assert standalone(salience, "它的森林覆盖率是多少？").question == "它的森林覆盖率是多少？"


@pytest.fixture(scope="module")
def client(base_settings, embedder, reader, seed_index, tmp_path_factory):
    s = base_settings.replace(index_dir=tmp_path_factory.mktemp("fb") / "idx", admin_token="fb-token-0123456789",
                              log_questions=False)
    import shutil

    shutil.copytree(base_settings.index_path, s.index_path, symlinks=True)
    service = QAService(s, embedder, reader)
    service.load(build_if_missing=False)
    with TestClient(create_app(s, service)) as c:
        yield c


def test_ask_with_history_answers_the_follow_up(client):
    r = client.post("/ask", json={"question": "该市的贫困发生率降到多少？",
                                  "history": [{"question": "朝阳市累计脱贫多少人？", "answer": None}]})
    body = r.json()
    assert r.status_code == 200 and body["resolved_question"] == "朝阳市的贫困发生率降到多少？"
    assert body["answer"] == "1.7%"
    alone = client.post("/ask", json={"question": "朝阳市累计脱贫多少人？"}).json()
    assert alone["resolved_question"] == "朝阳市累计脱贫多少人？"


@pytest.mark.parametrize("history,fragment", [
    ("not a list", "history"),
    ([{"answer": "x"}], "question"),
    ([{"question": "   "}], "question"),
    ([{"question": "问题？"}] * 51, "history"),
])
def test_bad_history_is_422(client, history, fragment):
    r = client.post("/ask", json={"question": "朝阳市累计脱贫多少人？", "history": history})
    assert r.status_code == 422 and fragment in r.json()["detail"]


def test_feedback_is_stored_and_exported_to_admins_only(client):
    fb = {"question": "该市的贫困发生率降到多少？", "resolved_question": "朝阳市的贫困发生率降到多少？", "answer": "1.7%",
          "citations": [{"doc_id": "001_0ae81ca8cf954a1e.txt", "location": None}], "verdict": "up",
          "comment": "准确，<b>谢谢</b>"}
    r = client.post("/feedback", json=fb)
    assert r.status_code == 201 and r.json()["id"] >= 1
    assert client.post("/feedback", json={**fb, "verdict": "maybe"}).status_code == 422
    assert client.post("/feedback", json={**fb, "comment": "长" * 2001}).status_code == 422
    assert client.get("/admin/feedback").status_code == 401
    auth = {"Authorization": "Bearer fb-token-0123456789"}
    lines = client.get("/admin/feedback?format=jsonl", headers=auth).text.splitlines()
    import json

    last = json.loads(lines[-1])
    assert (last["question"], last["verdict"], last["comment"]) == (fb["question"], "up", "准确，<b>谢谢</b>")
    assert last["build_id"] and last["citations"] == fb["citations"] and last["time"]
    csv_text = client.get("/admin/feedback?format=csv", headers=auth)
    assert csv_text.headers["content-type"].startswith("text/csv")
    assert csv_text.text.splitlines()[0] == "id,time,question,resolved_question,answer,verdict,comment,citations,build_id"
    assert client.get("/admin/feedback?format=xml", headers=auth).status_code == 422


def test_questions_are_not_logged_unless_asked(client, caplog, base_settings, embedder, reader, seed_index):
    import logging

    with caplog.at_level(logging.INFO, logger="qa.questions"):
        client.post("/ask", json={"question": "朝阳市累计脱贫多少人？"})
    assert "朝阳市累计脱贫" not in caplog.text
    service = QAService(base_settings.replace(log_questions=True), embedder, reader)
    service.index = seed_index
    with caplog.at_level(logging.INFO, logger="qa.questions"):
        service.ask("朝阳市累计脱贫多少人？")
    assert "朝阳市累计脱贫多少人" in caplog.text


def test_the_title_of_the_conversation_s_document_can_be_its_subject(salience):
    # a person reading a document titled "黑龙江省" asks about "它" though no question named it
    history = [Turn("最大的湖泊是什么？", "兴凯湖")]
    assert resolve("它的省会是哪里？", history, salience, title="黑龙江省").question == "黑龙江省的省会是哪里？"
    assert resolve("它的省会是哪里？", history, salience).question != "黑龙江省的省会是哪里？"
    # a headline says something rather than naming the subject: its words are no topic
    r = resolve("这个村有多少名贫困人口？", [Turn("大西沟村有多少户建档立卡贫困户？", "36户")], salience,
                title="庆祝中国共产党成立100周年")
    assert "中国共产党" not in r.question and r.question.endswith("西沟村有多少名贫困人口？")  # jieba cuts 大|西沟村
    # a file name's code is no topic
    assert "74ec" not in resolve("它的省会是哪里？", [Turn("最大的湖泊是什么？", None)], salience,
                                 title="000_74ec0513fa38d948").question


def test_a_title_phrase_its_document_never_mentions_is_no_topic(salience):
    # jieba tags 书写 as a noun, so this headline passes for a name; but its text never speaks of
    # 书写县域经济 again, while it keeps speaking of 凌源市
    title = "书写县域经济大发展壮美画卷"
    document = f"{title}\n凌源市坚持把项目作为抓手，为县域经济大发展奠定了基础。截至6月末，凌源市地区生产总值实现77.6亿元。"
    passage = document.split("\n", 1)[1]
    history = [Turn("截至6月末凌源市地区生产总值实现多少？", "77.6亿元")]
    r = resolve("同比增长多少？", history, salience, title, passage, document)
    assert r.question.startswith("凌源市") and "书写" not in r.question
    # a title of one phrase names the subject even when its text writes it otherwise
    document = "城市规划\n都市計畫是一門研究城市發展的學科。都市計畫與建築學有許多相似之處。"
    r = resolve("它的起源是什麼？", [Turn("這門學科與什麼領域相似？", "建築學")], salience, "城市规划",
                document.split("\n", 1)[1], document)
    assert r.question == "城市规划的起源是什麼？"


def test_a_question_naming_its_own_subject_offers_the_topic_in_front_too(salience):
    # "和北海的建筑群…" of 中南海: a name of its own can be a part of the subject, so the answer
    # stage reads both forms; the question itself stays as asked
    r = standalone(salience, "朝阳市累计脱贫多少人？", ("凌源市截至6月末地区生产总值是多少？", "77.6亿元"))
    assert (r.question, r.rule) == ("朝阳市累计脱贫多少人？", "named")
    assert r.topic_first == "凌源市朝阳市累计脱贫多少人？"


def test_a_question_with_a_salient_phrase_of_its_own_offers_the_topic_in_front_too(salience):
    # 森林覆盖率 is rarer in this corpus than 凌源市: the question may be complete, or about 凌源市
    r = standalone(salience, "森林覆盖率是多少？", ("凌源市截至6月末地区生产总值是多少？", "77.6亿元"))
    assert (r.question, r.rule, r.topic_first) == ("森林覆盖率是多少？", "own", "凌源市森林覆盖率是多少？")


@pytest.mark.parametrize("earlier,question,expected", [
    ([("截至2020年年底辽阳市多少个建档立卡贫困村全部销号？", "52个")], "该市共投入财政专项扶贫资金多少用于产业扶贫？",
     "辽阳市共投入财政专项扶贫资金多少用于产业扶贫？"),
    ([("“十四五”时期辽阳市初步谋划储备了多少个亿元以上高质量项目？", "515个"), ("总投资多少？", "3000亿元")],
     "今年以来该市谋划工业项目多少项？", "今年以来辽阳市谋划工业项目多少项？"),
])
def test_a_pointer_with_a_kind_takes_a_topic_of_that_kind(salience, seed_index, base_settings, earlier, question,
                                                          expected):
    # "该市" is a city: not the passage's "贫困村全部销号" nor the phrase "时期辽阳市", though they rank higher
    history = [Turn(q, a) for q, a in earlier]
    found = conversation_chunk(seed_index, history, base_settings)
    assert resolve(question, history, salience, found.title, found.text).question == expected


@pytest.mark.parametrize("question", ["其他城市招商多少次？", "其中京津冀项目有多少个？"])
def test_words_that_only_look_like_pointers_are_kept(salience, question):
    # 其他 (other) and 其中 (among them) point to no topic: "凌源市他城市…" would be nonsense
    r = standalone(salience, question, ("上半年凌源市面向京津冀招商多少次？", "168次"))
    assert question.rstrip("？") in r.question and r.rule != "pronoun"


@pytest.mark.parametrize("question", ["「凌源市地区生产总值同比增长」这句话出自哪份报告？", "《静夜思》这首诗是谁写的？"])
def test_a_pointer_after_a_quotation_points_to_it(salience, question):
    # "这句话" is the quotation just before it, not the conversation's subject
    r = standalone(salience, question, ("朝阳市累计脱贫多少人？", None))
    assert r.rule != "pronoun" and question.rstrip("？") in r.question


@pytest.mark.parametrize(("question", "expected"), [
    ("这项工程什么时候投产？", "龙城区高性能膜项目工程什么时候投产？"),  # jieba: 这项|工程
    ("这个项目什么时候投产？", "龙城区高性能膜项目什么时候投产？"),  # 这个|项目
    ("这条生产线什么时候投产？", "龙城区高性能膜项目生产线什么时候投产？"),  # 这条 (tagged mq)|生产线
])
def test_a_demonstrative_with_a_classifier_points_back_with_its_noun(salience, question, expected):
    # the classifier goes with the pointer, and a noun no topic is of stays after the topic
    assert standalone(salience, question, ("龙城区高性能膜项目总投资多少？", "10亿元")).question == expected


def test_a_pointer_of_a_kind_the_question_names_points_inside_it(salience):
    question = "地处辽西的朝阳市，这座城市的森林覆盖率是多少？"
    r = standalone(salience, question, ("凌源市截至6月末地区生产总值是多少？", "77.6亿元"))
    assert r.question == question and r.rule != "pronoun"


def test_a_plural_pointer_after_a_which_ones_question_means_its_answer(salience):
    earlier = ("龙城区有哪些重大项目进展顺利？", "7万吨高性能膜、嘉寓光伏组件")
    assert standalone(salience, "它们的总投资是多少？", earlier).question == "7万吨高性能膜、嘉寓光伏组件的总投资是多少？"
    # a singular pointer, or a question that found nothing, still means the conversation's subject
    assert "嘉寓" not in standalone(salience, "它的总投资是多少？", earlier).question
    assert "嘉寓" not in standalone(salience, "它们的总投资是多少？", (earlier[0], None)).question

"""The kind of a question decides the shape of its answer: detection on a written set, explanations
and latest news over the seed article and invented ones (fake embeddings, real Chroma)."""

from dataclasses import replace
from datetime import date

import pytest

from langchain_core.language_models.fake import FakeListLLM

from rag import Answer
from rag.answer.shapes import question_kind, topic

from .conftest import SEED_ARTICLE

KINDS = {
    "factoid": [
        "How many prisoners were recaptured?", "Who is the spokesperson for the Syrian Democratic Forces?",
        "When did the attack begin?", "Where is the prison?", "Which group claimed the attack?",
        "How much did the new bridge cost?", "How long is the tunnel?", "What is the new ferry called?",
        "How old is the mayor?", "What did the council approve on Tuesday?",
        "According to recent reports, how many people died?", "Who broke the news about the merger?",
        "What did Sky News on Monday report?", "How close is the storm to the coast?", "About how many people died?",
        "Which nation has become the latest to ban the practice?", "What is the latest phishing scam on social media?",
    ],
    "explanatory": [
        "Why did Islamic State attack the prison?", "How did the prisoners escape?", "What happened at the prison?",
        "Summarize the news about the prison attack", "Describe the storm's damage in the valley",
        "Explain the new parking rules", "Tell me about the council vote", "Why was the bridge closed?",
        "What caused the blackout?", "What is the reason for the fare increase?", "And why did they leave?",
        "Give me an overview of the election", "How come the bridge closed?", "Please summarize the storm damage",
        "Could you explain the new rules?", "So why did they leave?", "What was behind the blackout?",
    ],
    "latest": [
        "What is the latest news?", "What's new?", "What is the latest on the prison attack?",
        "Any news about the bridge?", "What are the most recent stories about the election?",
        "Latest news on the storm", "What's new with the city budget?", "What’s new?", "What's the latest on Gaza?",
    ],
}


@pytest.mark.parametrize("kind, question", [(k, q) for k, qs in KINDS.items() for q in qs])
def test_question_kind_on_a_written_set(kind, question):
    assert question_kind(question) == kind


def test_topic_drops_the_words_that_ask_for_the_kind():
    assert topic("Summarize the news about the prison attack") == "prison attack"
    assert topic("Any news about the bridge?") == "bridge"
    assert topic("What’s new?") == "" and topic("What is the latest on New York?") == "New York"


BRIDGE = [
    {"id": "bridge-1", "title": "Riverton opens its new bridge", "published": "2026-03-02",
     "text": "Riverton opened the Elm Street bridge on Monday. The bridge replaces a crossing that flooded every spring. "
             "It was closed for two years because engineers found cracks in its piers."},
    {"id": "bridge-2", "title": "Bridge traffic doubles", "published": "2026-04-10",
     "text": "Traffic on the Elm Street bridge doubled in its first month. Commuters said the new route saves ten minutes."},
    {"id": "budget-1", "title": "Council passes budget", "published": "2026-01-15",
     "text": "The Riverton council passed a budget of $4.2 million on Tuesday. Road repairs take most of it."},
]


@pytest.fixture
def towns(make_services, tmp_path):
    services = make_services(" unknown")
    path = tmp_path / "towns.jsonl"
    path.write_text("\n".join(__import__("json").dumps(a) for a in BRIDGE))
    services.ingestor.ingest_paths([path, SEED_ARTICLE])
    return services


def test_latest_news_lists_the_newest_articles_first_with_headline_date_and_first_sentence(towns):
    answer = towns.qa.ask("What is the latest news about the Elm Street bridge?")
    assert answer.kind == "latest" and not answer.abstained
    lines = answer.text.split("\n")
    newest = ("Bridge traffic doubles (2026-04-10): Traffic on the Elm Street bridge doubled in its first month. "
              "Commuters said the new route saves ten minutes. [1]")
    assert lines[0] == newest  # the newest story: its lead (a short first sentence and the next)
    assert lines[1] == ("Riverton opens its new bridge (2026-03-02): "
                        "Riverton opened the Elm Street bridge on Monday. [2]")  # the others: their first sentence
    assert [c.article_id for c in answer.citations] == ["bridge-2", "bridge-1"]


def test_latest_news_on_a_topic_as_of_a_day_lists_only_what_was_out_and_about_the_topic(towns):
    answer = towns.qa.ask("What is the latest on the Elm Street bridge?", as_of=date(2026, 3, 20))
    assert [c.article_id for c in answer.citations] == ["bridge-1"]  # bridge-2 came out in April
    other = towns.qa.ask("What is the latest on the Riverton schools?")  # all three name Riverton, none schools
    assert other.abstained and not other.citations


def test_latest_news_without_a_topic_is_the_newest_in_the_store_and_borrows_nothing(towns):
    answer = towns.qa.ask("What's new?", history=["Why was the bridge closed?"])
    assert answer.query is None
    assert [c.article_id for c in answer.citations] == ["bridge-2", "bridge-1", "budget-1"]


def test_explanation_is_cited_sentences_from_the_articles(towns):
    answer = towns.qa.ask("Why was the Elm Street bridge closed?")
    assert answer.kind == "explanatory" and not answer.abstained
    assert "engineers found cracks in its piers" in answer.text
    assert answer.text.rstrip().endswith("]")
    for sentence_number in {int(n) for n in __import__("re").findall(r"\[(\d)\]", answer.text)}:
        cited = answer.citations[sentence_number - 1]
        assert cited.article_id.startswith("bridge")
    assert len({c.article_id for c in answer.citations}) == len(answer.citations)  # one entry per article


def test_explanation_about_something_the_articles_do_not_cover_abstains(towns):
    answer = towns.qa.ask("Why did the Nobel committee pick a poet in 2031?")
    assert isinstance(answer, Answer) and answer.abstained


def test_a_sentence_that_points_back_comes_with_the_sentence_before_it(towns):
    answer = towns.qa.ask("Why was the Elm Street bridge closed?")
    assert ("The bridge replaces a crossing that flooded every spring. It was closed for two years because engineers "
            "found cracks in its piers.") in answer.text.replace(" [1]", "")
    assert not answer.text.startswith("It ")


def test_a_summary_starts_from_the_leads_newest_story_first(towns):
    answer = towns.qa.ask("Summarize the news about the Elm Street bridge")
    assert answer.kind == "explanatory" and not answer.abstained
    assert answer.text.startswith("Traffic on the Elm Street bridge doubled in its first month. [1]")
    assert "Riverton opened the Elm Street bridge on Monday. [2]" in answer.text
    assert [c.article_id for c in answer.citations][:2] == ["bridge-2", "bridge-1"]
    assert len(answer.text.split()) <= 60


def test_a_question_about_the_future_is_answered_only_by_what_is_expected(make_services):
    from ingest import Article

    services = make_services(" the Otters", " the Otters")
    services.ingestor.ingest([Article("cup-1", "Cup final tickets", "Tickets for the Riverton Cup final between the "
                                      "Otters and the Hawks cost $40, organisers said.", published="2026-05-01")])
    assert services.qa.ask("Who will win the Riverton Cup final?").abstained  # the finalists are named, not the winner
    services.ingestor.ingest([Article("cup-2", "Otters favored", "The Otters are favored to win the Riverton Cup final "
                                      "on Sunday, bookmakers said.", published="2026-05-02")])
    answer = services.qa.ask("Who will win the Riverton Cup final?")
    assert not answer.abstained and "Otters" in answer.text and answer.citations[0].article_id == "cup-2"


def test_a_question_about_what_happened_is_not_answered_by_what_was_to_come(make_services):
    from ingest import Article

    services = make_services(" Dana Lee", " Sam Ortiz")
    services.ingestor.ingest([Article("vote-1", "Council to pick a mayor", "The Riverton council will elect a new "
                                      "mayor on Friday, council speaker Dana Lee said.", published="2026-05-01")])
    early = services.qa.ask("Whom did the Riverton council elect as mayor?")
    assert early.abstained  # the speaker is named, the mayor is not: the vote was still to come
    services.ingestor.ingest([Article("vote-2", "Riverton has a new mayor", "The Riverton council elected Sam Ortiz as "
                                      "mayor on Friday.", published="2026-05-02")])
    answer = services.qa.ask("Whom did the Riverton council elect as mayor?")
    assert not answer.abstained and "Sam Ortiz" in answer.text and answer.citations[0].article_id == "vote-2"


def test_whether_something_happened_is_not_settled_by_a_sentence_that_says_it_is_to_come():
    from ingest.chunk import text_sentences
    from ingest.store import Hit
    from rag.answer.evidence import Evidence
    from rag.answer.shapes import explanation
    from rag.answer.terms import key_terms

    question = "Did the Riverton ferry crews vote to accept the new contract?"
    planned = ("Riverton ferry crews will vote on the new contract on Wednesday, their union said.",
               "The new contract offer raises Riverton ferry crews' pay by 9% over three years.")
    hit = Hit("f:0", "f", " ".join(planned), 0.7, 0, "Riverton ferry crews to vote", None, None, "2026-05-01")
    evidence = [Evidence(text, hit, 0.6, 0.6, 0.8) for text in planned]
    assert explanation(evidence, key_terms(question), question) == []  # the articles do not say whether they did
    voted = "Riverton ferry crews voted to accept the new contract, ending the strike."
    later = Hit("f:1", "f2", voted, 0.6, 0, "Ferry crews accept contract", None, None, "2026-05-04")
    chosen = explanation(evidence + [Evidence(voted, later, 0.5, 0.5, 0.7)], key_terms(question), question)
    assert chosen[0].text == voted and planned[0] not in [c.text for c in chosen]
    won = "Did the Riverton Otters win the cup final?"
    final = Hit("o:0", "o", "Riverton Otters fans filled the cup final stadium on Sunday. The Riverton Otters won the "
                "cup final 2-1.", 0.7, 0, "Otters win", None, None, "2026-05-03")
    crowd, result = (Evidence(text, final, 0.6, 0.6, 0.8) for text in text_sentences(final.text))
    assert [c.text for c in explanation([crowd], key_terms(won), won)] == [crowd.text]  # says neither: not declined
    hope = "Riverton Otters fans hope the Otters will win the cup final."
    hoped = Evidence(hope, Hit("h:0", "h", hope, 0.7, 0, "Otters in the final", None, None, "2026-05-01"),
                     0.6, 0.6, 0.9)
    assert explanation([hoped, crowd], key_terms(won), won) == []  # only that it is to come
    assert result.text in [c.text for c in explanation([hoped, crowd, result], key_terms(won), won)]  # "won" is done


def test_whether_it_happened_is_declined_with_the_sentence_that_says_it_is_to_come(make_services):
    from ingest import Article
    from rag.qa import STILL_TO_COME

    services = make_services(" yes", " yes")
    planned = "Riverton ferry crews will vote on the new contract on Wednesday, their union said."
    services.ingestor.ingest([Article("ferry-1", "Ferry crews to vote", planned + " The new contract offer raises "
                                      "Riverton ferry crews' pay by 9% over three years.", published="2026-05-01")])
    question = "Did the Riverton ferry crews vote to accept the new contract?"
    early = services.qa.ask(question)
    assert early.abstained and early.text == f"{STILL_TO_COME} {planned} [1]"
    assert [c.quote for c in early.citations] == [planned]
    services.ingestor.ingest([Article("ferry-2", "Ferry crews accept contract", "Riverton ferry crews voted to accept "
                                      "the new contract on Wednesday, ending the strike.", published="2026-05-04")])
    answer = services.qa.ask(question)
    assert not answer.abstained and "voted to accept" in answer.text and answer.citations[0].article_id == "ferry-2"


def test_what_is_to_come_in_another_story_is_never_quoted_as_what_the_articles_say():
    from ingest.store import Hit
    from rag.answer.evidence import Evidence
    from rag.answer.shapes import explanation, still_to_come
    from rag.answer.terms import key_terms

    question = "Did the Riverton ferry crews vote to accept the new contract?"
    own = "Riverton ferry crews will vote on the new contract on Wednesday, their union said."
    other = "Riverton ferry crews will vote on the new contract, a reader's letter said."
    ferry = Hit("f:0", "f", own, 0.7, 0, "Ferry crews to vote", None, None, "2026-05-01", relevance=0.8)
    letter = Hit("l:0", "l", other, 0.7, 0, "Letters", None, None, "2026-05-03", relevance=0.05)
    evidence = [Evidence(own, ferry, 0.6, 0.6, 0.8), Evidence(other, letter, 0.6, 0.6, 0.8)]
    assert explanation(evidence, key_terms(question), question) == []
    assert [e.text for e in still_to_come(evidence, key_terms(question), question)] == [own]  # not the newer letter


def test_a_reason_lifts_a_why_sentence_only_when_it_says_what_it_is_the_reason_for():
    from ingest.store import Hit
    from rag.answer.evidence import Evidence
    from rag.answer.shapes import explanation
    from rag.answer.terms import key_terms

    question = "Why did the Riverton bridge close?"
    guide = "A travel guide named Riverton among places to avoid because of crowds."
    cracks = "Engineers found deep cracks in the bridge's supports last week."
    hit = Hit("b:0", "b", f"{guide} {cracks}", 0.7, 0, "Riverton bridge closes", None, None, "2026-05-01")
    evidence = [Evidence(guide, hit, 0.2, 0.6, 0.62), Evidence(cracks, hit, 0.4, 0.6, 0.6)]
    chosen = explanation(evidence, key_terms(question), question, limit=1)
    assert [c.text for c in chosen] == [cracks]  # the guide's "because" is not about the closing


def test_an_explanation_keeps_to_the_stories_the_ranker_finds_about_the_question():
    from ingest.store import Hit
    from rag.answer.evidence import Evidence
    from rag.answer.shapes import explanation
    from rag.answer.terms import key_terms

    question = "Why did the Riverton pound fall?"
    fund = Hit("f:0", "f", "The Riverton pound fell after the council announced unfunded tax cuts.", 0.6, 0,
               "Riverton pound falls", None, None, "2026-05-01", relevance=0.7)
    letter = Hit("n:0", "n", "The Riverton pound fell sharply because of fraud, a reader wrote.", 0.6, 0,
                 "Letters: scams in Riverton", None, None, "2026-05-02", relevance=0.05)
    evidence = [Evidence(letter.text, letter, 0.8, 0.8, 0.9), Evidence(fund.text, fund, 0.6, 0.6, 0.7)]
    assert [c.hit.article_id for c in explanation(evidence, key_terms(question), question)] == ["f"]
    fair = [Evidence(e.text, replace(e.hit, relevance=0.5), e.overlap, e.score, e.similarity) for e in evidence]
    assert {c.hit.article_id for c in explanation(fair, key_terms(question), question)} == {"f", "n"}


def test_what_happened_opens_with_the_lead_of_the_story_its_best_sentence_tells():
    from ingest.store import Hit
    from rag.answer.evidence import Evidence
    from rag.answer.shapes import explanation
    from rag.answer.terms import key_terms

    question = "What happened in the Elm Street tunnel?"
    crane = Hit("crane:0", "crane", "A crane fell on Elm Street on Friday, hurting two workers. It was lifting steel.",
                0.6, 0, "Crane falls", None, None, "2026-05-01")
    flood = Hit("flood:1", "flood", "Water filled the Elm Street tunnel on Sunday after a main broke under it. "
                "Crews pumped the tunnel dry by Monday night.", 0.5, 1, "Tunnel floods", None, None, "2026-03-01")
    flood_lead = Evidence("The city shut its oldest road link for a week this spring.", flood, 0.0, 0.0, 0.0)
    crane_lead = Evidence(crane.text.split(". ")[0] + ".", crane, 0.2, 0.2, 0.3)
    evidence = [Evidence(flood.text.split(". ")[0] + ".", flood, 0.8, 0.8, 0.9),
                Evidence("Crews pumped the tunnel dry by Monday night.", flood, 0.5, 0.5, 0.7), crane_lead]
    chosen = explanation(evidence, key_terms(question), question, leads=[crane_lead, flood_lead])
    assert chosen[0].hit.article_id == "flood"  # the crane story names Elm Street and is newer: its lead is not the news
    assert all(c.text != crane_lead.text for c in chosen[:2])


def test_a_follow_up_after_a_summary_carries_what_the_summary_was_about_not_the_request(towns):
    summary = towns.qa.ask("Summarize the news about the Elm Street bridge")
    from rag.answer.followup import Turn

    answer = towns.qa.ask("And why was it closed?", history=[Turn.of(summary)])
    assert answer.query == "Why was it closed? (about: Elm Street bridge)"
    assert "cracks in its piers" in answer.text and not answer.abstained


def test_a_yes_or_no_question_gets_the_sentences_that_speak_to_it_not_a_span(towns):
    answer = towns.qa.ask("Did the Elm Street bridge open?")
    assert answer.kind == "explanatory" and not answer.abstained
    assert "Riverton opened the Elm Street bridge on Monday." in answer.text and answer.text.rstrip().endswith("]")



@pytest.mark.parametrize("question, title, published, noise, noise_score, news, news_score", [
    # a caption whose name the page left out, however close it scores
    ("What happened to the Artemis crew's flight?", "Moon flight slips", "2026-01-20",
     ", the pilot of the Artemis crew's flight, who flew to space in 2020 on a SpaceX mission.", (0.9, 0.9, 0.9),
     "The Artemis crew's flight around the moon was delayed until March after a fuel leak.", (0.6, 0.6, 0.6)),
    # a sentence that shares only the date asked about
    ("What happened at the Elm Street bridge in April 2024?", "Elm Street bridge closed", "2024-03-04",
     "I'm Dana Lee and this is the morning briefing for Monday, April 1, 2024.", (0.3, 0.3, 0.3),
     "The Elm Street bridge was closed after inspectors found a cracked girder.", (0.4, 0.4, 0.6)),
], ids=["caption-fragment", "shares-only-the-date"])
def test_an_explanation_leaves_out_a_sentence_that_only_looks_close(question, title, published, noise, noise_score,
                                                                     news, news_score):
    from ingest.store import Hit
    from rag.answer.evidence import Evidence
    from rag.answer.shapes import explanation
    from rag.answer.terms import key_terms

    hit = Hit("s:0", "s", f"{noise}\n\n{news}", 0.7, 0, title, None, None, published)
    chosen = explanation([Evidence(noise, hit, *noise_score), Evidence(news, hit, *news_score)], key_terms(question),
                         question)
    assert [c.text for c in chosen] == [news]


def test_what_happened_opens_with_its_story_s_lead_before_a_newer_story_s_details():
    from ingest.store import Hit
    from rag.answer.evidence import Evidence
    from rag.answer.shapes import explanation
    from rag.answer.terms import key_terms

    question = "What happened to the Artemis flight?"
    lead_text, detail_text = ("The Artemis flight around the moon was delayed to March after a fuel leak.",
                              "Engineers will repeat the Artemis fueling test in February before a new launch date.")
    older = Hit("a:0", "a", lead_text + " The crew left quarantine.", 0.7, 0, "Artemis slips", None, None, "2026-01-10")
    newer = Hit("b:1", "b", detail_text, 0.6, 1, "Artemis test", None, None, "2026-01-15")
    lead, detail = Evidence(lead_text, older, 0.5, 0.5, 0.8), Evidence(detail_text, newer, 0.4, 0.4, 0.6)
    chosen = explanation([lead, detail], key_terms(question), question, leads=[lead])
    assert [c.text for c in chosen] == [lead_text, detail_text]  # the event, then its latest development


def test_a_summary_reads_the_leads_of_its_two_best_stories_even_when_one_holds_the_two_best_sentences():
    from ingest.store import Hit
    from rag.answer.evidence import Evidence
    from rag.answer.shapes import explanation
    from rag.answer.terms import key_terms

    question = "Summarize the news about the Riverton strike"
    july = ("Riverton nurses walked out on Monday over pay.", "The Riverton strike closed two clinics for a week.",
            "Strikers said the Riverton strike would last until pay rose.")
    september = "Riverton nurses ended their strike on Sunday after a deal on pay."
    old = Hit("jul:0", "jul", " ".join(july), 0.7, 0, "Nurses strike", None, None, "2026-07-13")
    new = Hit("sep:0", "sep", september, 0.6, 0, "Strike ends", None, None, "2026-09-21")
    evidence = [Evidence(july[1], old, 0.9, 0.9, 0.9), Evidence(july[2], old, 0.8, 0.8, 0.8),
                Evidence(september, new, 0.5, 0.5, 0.5)]
    leads = [Evidence(july[0], old, 0.3, 0.3, 0.3), Evidence(september, new, 0.5, 0.5, 0.5)]
    chosen = explanation(evidence, key_terms(question), question, leads=leads)
    assert [c.text for c in chosen][:2] == [september, july[0]]  # the story as it stands, then how it began


def test_a_month_in_the_question_is_when_it_happened_not_a_name_the_passage_must_write():
    from ingest.store import Hit
    from rag.answer.evidence import Evidence
    from rag.answer.shapes import explanation
    from rag.answer.terms import addresses, key_terms

    question = "Summarize the news about Norway's October 2024 ferry strike."
    said = "Ferry crews in Norway walked out on Monday, stranding thousands of commuters along the western coast."
    hit = Hit("ferry:0", "ferry", said, 0.7, 0, "Norway's ferry crews strike", None, None, "2024-10-14")
    assert addresses(key_terms(question), hit)  # "Norway's October" is Norway, asked about in October
    chosen = explanation([Evidence(said, hit, 0.6, 0.6, 0.7)], key_terms(question), question, leads=[])
    assert [c.text for c in chosen] == [said]


def test_a_yes_or_no_question_is_answered_from_the_newest_story_it_is_told_in():
    from ingest.store import Hit
    from rag.answer.evidence import Evidence
    from rag.answer.shapes import explanation
    from rag.answer.terms import key_terms

    question = "Is the ferry strike over?"
    began = ("Ferry crews went on strike on Monday, and the ferry strike halted every crossing.",
             "The ferry strike left thousands of commuters waiting at the docks.",
             "Pickets of the ferry strike gathered at the terminal before dawn.")
    ended = "The ferry strike is over: crews accepted a new contract on Friday."
    july = Hit("a:0", "a", " ".join(began), 0.8, 0, "Ferry crews strike", None, None, "2024-07-01")
    august = Hit("b:0", "b", ended, 0.6, 0, "Ferry strike ends", None, None, "2024-08-02")
    evidence = [Evidence(text, july, 0.5, 0.5, 0.8 - 0.01 * n) for n, text in enumerate(began)]
    evidence.append(Evidence(ended, august, 0.4, 0.4, 0.6))  # fourth best: three sentences of July would fill it
    chosen = [c.text for c in explanation(evidence, key_terms(question), question)]
    assert chosen[0] == ended and chosen[1:] == list(began[:2])  # how it stands now, then how it began


def _bridge_evidence():
    from ingest.store import Hit
    from rag.answer.evidence import Evidence

    restated = ("The Elm Street bridge was closed to all traffic on Monday, city officials said in a statement "
                "posted to the transport department's website late on Sunday night.",
                "Commuters heading downtown found barriers across the closed Elm Street bridge and long queues at the "
                "ferry landing by seven in the morning.")
    reason = "Inspectors at the Elm Street bridge found rust eating through two steel girders."
    hit = Hit("b:0", "b", " ".join((*restated, reason)), 0.7, 0, "Elm Street bridge shut", None, None, "2026-05-04")
    return [Evidence(restated[0], hit, 0.6, 0.9, 0.8), Evidence(restated[1], hit, 0.6, 0.8, 0.7),
            Evidence(reason, hit, 0.2, 0.3, 0.3)], reason


def test_a_why_says_the_sentence_the_llm_points_at_and_the_ranking_s_best():
    from rag.answer.shapes import explanation
    from rag.answer.terms import key_terms

    question = "Why was the Elm Street bridge closed?"
    evidence, reason = _bridge_evidence()
    shown = []

    def draft(sentences):
        shown.extend(s.text for s in sentences)
        return "rust in two steel girders"  # shares rust, steel, girder with the reason only

    chosen = [c.text for c in explanation(evidence, key_terms(question), question, pointed=draft)]
    assert reason in shown and reason in chosen and evidence[0].text in chosen  # the pick, then the ranking's best
    # without the pointer, the two restatements fill the answer
    assert reason not in [c.text for c in explanation(evidence, key_terms(question), question)]


def test_a_how_always_says_the_pick_and_the_ranking_s_best_however_long_the_pick():
    from rag.answer.shapes import explanation
    from rag.answer.terms import key_terms

    question = "How did inspectors find the Elm Street bridge's damage?"
    evidence, _ = _bridge_evidence()
    long_reason = replace(evidence[2], text="Inspectors at the Elm Street bridge lowered a camera on a cable and found "
                          "rust eating through two steel girders that hold up the eastern span, the worst damage "
                          "they had seen on any bridge in the county in the last twenty years, the report said.")
    evidence = [evidence[0], evidence[1], long_reason]
    chosen = [c.text for c in explanation(evidence, key_terms(question), question,
                                          pointed=lambda sentences: "a camera on a cable")]
    assert len(long_reason.text.split()) > 40 and long_reason.text in chosen and len(chosen) == 2


@pytest.mark.parametrize("question, draft", [
    ("Why was the Elm Street bridge closed?", "The bridge was closed."),  # only the question's words: no pointing
    ("Why was the Elm Street bridge closed?", "Rust."),  # one shared word is not enough
    ("What happened to the Elm Street bridge?", "rust in two steel girders"),  # not a why or a how
    ("Did the Elm Street bridge close?", "rust in two steel girders"),  # yes or no: the newest story settles it
    ("Describe the Elm Street bridge closure", "rust in two steel girders"),  # a description, not how it was done
])
def test_the_pointer_changes_nothing_when_its_draft_points_at_nothing_or_not_why_or_how(question, draft):
    from rag.answer.shapes import explanation
    from rag.answer.terms import key_terms

    evidence, _ = _bridge_evidence()
    assert explanation(evidence, key_terms(question), question, pointed=lambda sentences: draft) == \
        explanation(evidence, key_terms(question), question)


def test_a_why_whose_best_sentences_give_a_reason_in_so_many_words_keeps_them():
    from rag.answer.shapes import explanation
    from rag.answer.terms import key_terms

    question = "Why was the Elm Street bridge closed?"
    evidence, reason = _bridge_evidence()
    said = replace(evidence[1], text="Because of cracks, c" + evidence[1].text[1:])
    evidence = [evidence[0], said, evidence[2]]
    chosen = [c.text for c in explanation(evidence, key_terms(question), question,
                                          pointed=lambda sentences: "rust in two steel girders")]
    assert said.text in chosen and reason not in chosen  # the LLM's pick does not push out a stated reason


def test_a_dangling_sentence_is_pointed_at_only_with_the_sentence_before_it():
    from ingest.store import Hit
    from rag.answer.evidence import Evidence
    from rag.answer.shapes import explanation
    from rag.answer.terms import key_terms

    question = "How did inspectors check the Elm Street bridge?"
    before, dangling = "Inspectors checked the Elm Street bridge on Friday.", "They lowered a camera on a cable."
    hit = Hit("b:0", "b", f"{before} {dangling}", 0.7, 0, "Elm Street bridge checked", None, None, "2026-05-04")
    orphan = Hit("c:0", "c", "They also lowered a camera on a cable at the Elm Street bridge.", 0.6, 0,
                 "Elm Street bridge", None, None, "2026-05-04")
    evidence = [Evidence(before, hit, 0.6, 0.9, 0.8), Evidence(orphan.text, orphan, 0.5, 0.5, 0.5),
                Evidence(dangling, hit, 0.2, 0.3, 0.3)]
    chosen = [c.text for c in explanation(evidence, key_terms(question), question,
                                          pointed=lambda sentences: "lowered a camera on a cable")]
    assert chosen == [before, dangling]  # the orphan shares as much of the draft but has nothing before it


class _Recording(FakeListLLM):
    prompts: list[str] = []

    def _call(self, prompt, stop=None, run_manager=None, **kwargs):
        self.prompts.append(prompt)
        if self.responses[0] == "fail":
            raise RuntimeError("server unreachable")
        return super()._call(prompt, stop, run_manager, **kwargs)


@pytest.mark.parametrize("reply", ["rust in two steel girders", "fail"])
def test_qa_asks_the_llm_to_point_for_a_how_only_and_explains_without_it_when_it_fails(settings, store, embeddings,
                                                                                      tmp_path, reply):
    from newsqa.app import Services
    from rag.llm import GenerationLLM

    llm = _Recording(responses=[reply])
    services = Services(settings, store=store, embeddings=embeddings, llm=GenerationLLM(llm, name="recording"))
    path = tmp_path / "towns.jsonl"
    path.write_text("\n".join(__import__("json").dumps(a) for a in BRIDGE))
    services.ingestor.ingest_paths([path])
    assert not services.qa.ask("What happened to the Elm Street bridge?").abstained and llm.prompts == []
    answer = services.qa.ask("How did Riverton replace the old Elm Street crossing?")
    assert not answer.abstained and "[1]" in answer.text  # an explanation, with or without the pointer
    assert len(llm.prompts) == 1 and llm.prompts[0].rstrip().endswith(
        "Question: How did Riverton replace the old Elm Street crossing?\nAnswer:")

"""The dialog state machine: sans-io, `on(event, now) -> actions`, timers via `next_deadline()`.

greeting → listen → answer → "Er der andet…?" → … → goodbye (→ survey). A topic in the confirm
band is confirmed first; silence and no-match re-prompt up to the plan's limits. `medarbejder`
or DTMF 0 always reaches the human path; when the line is closed, the plan's `when_closed`
decides (message with the hours, callback request, or the after-hours queue).

Every `Transcript` yields exactly one `TurnResult`. Wall-clock time enters only through
`started_at` (for opening hours); `now` is the call clock.

The dialog never calls an engine. A caller transcript arrives already understood
(`Transcript.intent`, classified once per turn off the event loop with `intent_context()`);
a transcript with text but no intent means the intent engine failed, which goes to a human
(reason `technical`). DTMF topic choices take their answer from the knowledge base (`answers`),
a pure in-memory lookup.
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import Enum
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from voicebot.dialog.hours import OpenState, describe_week, open_state
from voicebot.dialog.plan import Dialplan, Message, WhenClosed
from voicebot.dialog.scope import scope_messages
from voicebot.dialog.text import TOPIC_LABELS, fill, match_option, merge, render, survey_score
from voicebot.frames import (
    Callback,
    CallerHangup,
    CallStarted,
    DialogAction,
    Dtmf,
    Hangup,
    Listen,
    PlaybackDone,
    Rating,
    Say,
    SpeechStarted,
    Timeout,
    Transcript,
    Transfer,
    TransferFailed,
    TurnResult,
)
from voicebot.intent.base import POINTER, SCOPE_INTENTS, TOPIC_INTENTS, UNKNOWN, IntentResult
from voicebot.intent.yesno import YES, yes_or_no

log = logging.getLogger(__name__)
KEY_ANSWERS = {"1": "ja", "2": "nej"}  # keys at every yes/no question
# Below the confirm band, the same topic guessed in two turns running is confirmed ("Vil du høre om…?"):
# two unclear tries that lean the same way are better evidence than either alone.
REPEAT_FLOOR = 0.1
SPEECH_GRACE_S = 30.0  # a caller who started speaking gets this long before no-input fires
TRANSFER_REASONS = ("low_confidence", "caller_request", "no_match_limit", "no_input_limit", "closed_hours",
                    "intent_rule", "technical")  # fmt: skip


class Answers(Protocol):
    """The knowledge base's lookup: an answer (a str, or an object with `.text`) or None."""

    def answer(self, intent: str, kommune: str | None = None) -> Any: ...


class State(Enum):
    LISTEN = "listen"  # waiting for a request
    CONFIRM = "confirm"  # "Vil du høre om pas?" → ja/nej
    FOLLOWUP = "followup"  # a topic's follow-up question
    ANYTHING_ELSE = "anything_else"  # "Er der andet, jeg kan hjælpe med?"
    CALLBACK = "callback"  # closed: "Vil du ringes op?" → ja/nej
    OFFER_HUMAN = "offer_human"  # after repeated no-matches: "Skal jeg stille dig videre…?" → ja/nej
    SURVEY = "survey"  # after goodbye: DTMF 1-3
    ENDED = "ended"


def _closed_first(greeting: Message, note: Message | None) -> list[Message]:
    """The closed notice goes before the greeting's closing question ("Hvad kan jeg hjælpe…?")."""
    if note is None:
        return [greeting]
    head, sep, question = greeting.text.rstrip().rpartition(". ")
    if greeting.prompt is not None or not sep or not question.endswith("?"):
        return [note, greeting] if greeting.prompt is None else [greeting, note]
    return [Message(text=head + "."), note, Message(text=question)]


QUESTION_STATES = (State.CONFIRM, State.CALLBACK, State.OFFER_HUMAN)  # yes/no questions


class Dialog:
    def __init__(
        self, plan: Dialplan, answers: Answers | None = None, call_id: str = "", *, started_at: datetime | None = None
    ) -> None:
        self.plan = plan
        self.answers = answers
        self.call_id = call_id
        # without a wall-clock start time the line counts as open (hours cannot be judged);
        # a naive start time is read in the plan's zone, as `voicebot dialplan hours` does
        if started_at is not None and started_at.tzinfo is None and plan.hours is not None:
            started_at = started_at.replace(tzinfo=ZoneInfo(plan.hours.timezone))
        self.open: OpenState = open_state(plan.hours, started_at) if started_at is not None else OpenState(True)
        self.state = State.LISTEN
        self.intents: list[str] = []  # what the bot acted on: answered, confirmed, or used for a transfer
        self.heard: list[tuple[str, float]] = []  # guesses it did not act on, with their confidence
        self.answered: list[str] = []  # topics the caller got an answer to (contained calls)
        self.caller = self.called = ""
        self._say_seq = 0
        self._last_says: list[Say] = []
        self._listen_after: int | None = None
        self._deadline: float | None = None
        self._no_input = self._no_match = self._rejected = 0
        self._pending: IntentResult | None = None
        self._callback_reason = ""
        self._last_topic: str | None = None
        self._texts: list[str] = []
        self._last_conf: float | None = None
        self._guess: str | None = None  # the topic the last unclear request leaned to
        self._menu_offered = False  # the fallback topic menu is said once; its keys then stay live
        self._low = plan.thresholds.confirm if plan.thresholds.confirm is not None else plan.thresholds.answer
        self._reply_to: float | None = None  # end of the caller speech being answered, while handling it

    # ------------------------------------------------------------------ public API
    @property
    def ended(self) -> bool:
        return self.state is State.ENDED

    @property
    def is_open(self) -> bool:
        return self.open.open

    @property
    def last_topic(self) -> str | None:
        """The topic last answered or confirmed (the context for follow-ups)."""
        return self._last_topic

    def next_deadline(self) -> float | None:
        return self._deadline

    def intent_context(self) -> dict[str, Any]:
        """What the intent engine should know about the conversation when it classifies a turn."""
        return {"last_topic": self._last_topic, "state": self.state.value}

    def expects(self) -> str:
        """The kind of answer the dialog waits for: 'yes_no', 'rating' or 'request'."""
        if self.state in QUESTION_STATES:  # confirm, callback, offer of a person
            return "yes_no"
        return "rating" if self.state is State.SURVEY else "request"

    def on(self, event: Any, now: float) -> list[DialogAction]:
        if isinstance(event, TransferFailed) and self.state is State.ENDED:
            # never drop the caller: say so, give the opening hours and offer a call back
            self.state, self._callback_reason = State.CALLBACK, "technical"
            return self._speak(self.plan.messages.transfer_failed)
        if self.ended:
            return []
        match event:
            case CallStarted():
                self.caller, self.called = event.caller, event.called
                return self._greeting()
            case SpeechStarted():
                if self._deadline is not None:
                    self._deadline = now + SPEECH_GRACE_S
            case PlaybackDone(say_id=sid) if self._armed_by(sid, event.interrupted):
                self._listen_after = None
                wait = (
                    self.plan.survey.timeout_s if self.state is State.SURVEY else self.plan.reprompts.no_input_timeout_s
                )
                self._deadline = now + wait
                return [Listen(wait, self.expects())]
            case Timeout() if self._deadline is not None and now >= self._deadline - 1e-6:
                self._deadline = None
                return self._on_silence()
            case Dtmf():
                return self._on_dtmf(event.digit)
            case Transcript():
                self._reply_to = event.end_s
                try:
                    return self._on_transcript(event)
                finally:
                    self._reply_to = None
            case CallerHangup():
                self._end()
        return []

    def _armed_by(self, say_id: int, interrupted: bool) -> bool:
        """The last say of a reply arms the no-input timer; so does a barge-in on any of it."""
        last = self._listen_after
        return last is not None and (say_id == last or (interrupted and say_id <= last))

    # ------------------------------------------------------------------ speaking
    def _values(self) -> dict[str, str]:
        return {"hours": describe_week(self.plan.hours), "kommune": self.plan.kommune or "kommunen"}

    def _speak(self, *messages: Message | None, listen: bool = True, barge_in: bool = True) -> list[DialogAction]:
        says: list[DialogAction] = []
        batch = []
        for m in merge([render(m, self._values()) for m in messages if m is not None]):
            self._say_seq += 1
            say = Say(m.text, self._say_seq, self._prompt_path(m.prompt), barge_in, self._reply_to)
            says.append(say)
            batch.append(say)
        if listen and batch:
            self._last_says = batch
        self._listen_after = self._say_seq if listen and batch else None
        self._deadline = None
        return says

    def _prompt_path(self, ref: str | None) -> str | None:
        """Prompt files are relative to the dialplan file (checked by the loader)."""
        if ref is None or self.plan.path is None:
            return ref
        return str(self.plan.path.parent / ref)

    def _greeting(self) -> list[DialogAction]:
        p = self.plan
        acts = self._speak(p.recording_consent, listen=False, barge_in=False) if p.recording_consent else []
        note = p.hours.when_closed.greeting_note if (p.hours and not self.is_open) else None
        menu = p.dtmf_menu.prompt if p.dtmf_menu and p.dtmf_menu.announce else None
        return acts + self._speak(*_closed_first(p.greeting, note), menu)

    def _repeat(self) -> list[DialogAction]:
        msgs = [Message(text=s.text, prompt=s.prompt) for s in self._last_says] or [self.plan.messages.ask_again]
        return self._speak(*msgs)

    # ------------------------------------------------------------------ endings
    def _end(self) -> None:
        self.state = State.ENDED
        self._deadline = None
        self._listen_after = None

    def _goodbye(self, reason: str = "completed") -> list[DialogAction]:
        survey = self.plan.survey
        if survey.enabled and reason == "completed":
            self.state = State.SURVEY
            return self._speak(self.plan.messages.goodbye, survey.prompt)
        acts = self._speak(self.plan.messages.goodbye, listen=False)
        self._end()
        return [*acts, Hangup(reason)]

    def _context(self, reason: str) -> dict[str, Any]:
        every = {
            "kommune": self.plan.kommune, "dialplan": self.plan.name, "call_id": self.call_id,
            "caller": self.caller, "called": self.called, "intents": list(self.intents),
            "last_topic": self._last_topic, "transcript": list(self._texts), "confidence": self._last_conf,
            "reason": reason, "closed": None if self.is_open else self.open.reason,
        }  # fmt: skip
        return {k: every[k] for k in self.plan.transfer.context}

    def _transfer(self, reason: str, queue: str | None = None) -> list[DialogAction]:
        assert reason in TRANSFER_REASONS, reason
        queues = self.plan.transfer.queues
        target = queues.get(queue or self.plan.transfer.human_queue) or next(iter(queues.values()))
        acts = self._speak(self.plan.transfer.message, listen=False)
        self._end()
        return [*acts, Transfer(target, reason, self._context(reason))]

    def _human(self, reason: str, queue: str | None = None) -> list[DialogAction]:
        """The human path; when the line is closed, the plan's `when_closed` decides."""
        if self.is_open or self.plan.hours is None:
            return self._transfer(reason, queue)
        closed = self.plan.hours.when_closed
        if closed.action == "transfer":
            return self._transfer("closed_hours", closed.queue)
        if closed.action == "callback":
            self.state, self._callback_reason = State.CALLBACK, reason
            return self._speak(closed.message, closed.callback_question)
        self._no_match = self._no_input = self._rejected = 0
        if reason in ("no_match_limit", "no_input_limit"):
            acts = self._speak(closed.message, listen=False)
            return acts + self._goodbye("closed")
        self.state = State.ANYTHING_ELSE
        return self._speak(closed.message, self.plan.messages.anything_else)

    # ------------------------------------------------------------------ caller input
    def _on_silence(self) -> list[DialogAction]:
        if self.state is State.SURVEY:
            self._end()
            return [Hangup("completed")]
        if self.state is State.ANYTHING_ELSE:
            return self._goodbye()
        self._no_input += 1
        if self._no_input > self.plan.reprompts.max_no_input:
            if self.plan.reprompts.on_no_input_limit == "transfer":
                return self._human("no_input_limit")
            return self._goodbye("no_input")
        if self.state is State.LISTEN:
            return self._speak(self.plan.messages.no_input)
        return self._repeat()  # re-ask the pending confirm / follow-up / callback question

    def _on_dtmf(self, digit: str) -> list[DialogAction]:
        if self.state is State.SURVEY:
            if digit in "123" and len(digit) == 1:
                acts = [Rating(int(digit)), *self._speak(self.plan.survey.thanks, listen=False)]
                self._end()
                return [*acts, Hangup("completed")]
            return []
        if digit == "0":
            return self._human("caller_request")
        if self.state in QUESTION_STATES and digit in KEY_ANSWERS:  # key 1 = ja, 2 = nej at every question
            return self._answer_question(KEY_ANSWERS[digit])
        menu = self.plan.dtmf_menu
        target = menu.keys.get(digit) if menu else None
        if target is None and self._menu_offered:
            target = self.plan.fallback_keys().get(digit)
        if target is None:
            return []
        kind, _, queue = target.partition(":")
        if kind == "transfer":
            return self._human("caller_request", queue)
        if target == "human":
            return self._human("caller_request")
        if target == "repeat":
            return self._repeat()
        return self._topic(target, self._answer_for(target))

    def _answer_for(self, intent: str) -> IntentResult:
        """An answer for a topic chosen by DTMF: the engine's `answer()` if it has one, else by its label."""
        if self.answers is None:
            return IntentResult(intent, 1.0)
        found = self.answers.answer(intent, self.plan.kommune)
        return IntentResult(intent, 1.0, answer=getattr(found, "text", found))

    def _on_transcript(self, tr: Transcript) -> list[DialogAction]:
        if self.state is not State.SURVEY:  # the survey keeps its timer through unusable speech
            self._deadline = None
        text = tr.text.strip()
        if not text:
            turn = TurnResult(tr.text, tr.start_s, tr.end_s, UNKNOWN, 0.0)
            if self.state is State.SURVEY:
                return [turn]
            return [turn, *self._on_silence()]
        res = tr.intent
        if res is None:  # the intent engine failed on this turn: a human takes over
            log.warning("call %s: no intent for a caller turn; transferring", self.call_id)
            return [TurnResult(tr.text, tr.start_s, tr.end_s, UNKNOWN, 0.0), *self._transfer("technical")]
        self._texts.append(text)
        self._last_conf = res.confidence
        self._no_input = 0
        before = len(self.intents)
        acts = self._handle(res, text)
        acted = tuple(self.intents[before:])
        if res.intent != UNKNOWN and res.intent not in acted:
            self.heard.append((res.intent, res.confidence))
        turn = TurnResult(tr.text, tr.start_s, tr.end_s, res.intent, res.confidence, dict(res.entities), acted)
        return [turn, *acts]

    def _act(self, intent: str) -> None:
        """The bot acts on `intent` (answers, confirms, transfers): it goes into `intents`."""
        self.intents.append(intent)

    def _handle(self, res: IntentResult, text: str) -> list[DialogAction]:
        th = self.plan.thresholds
        intent, conf = res.intent, res.confidence
        said = intent if conf >= self._low else UNKNOWN  # conversation intents need the lower bar
        if self.state is State.SURVEY:
            score = survey_score(text)
            return self._on_dtmf(str(score)) if score else []
        if said == "medarbejder":
            self._act(said)
            return self._human("caller_request")
        if self.state in QUESTION_STATES:  # the question sets the context: the answers that fit
            answer = yes_or_no(text) or (said if said in ("ja", "nej") else None)
            if answer is not None and not (intent in TOPIC_INTENTS and conf >= th.answer):
                return self._answer_question(answer)
            if said == "afslut":  # "tak" at a yes/no question is never a goodbye
                said = UNKNOWN
        elif self.state is State.ANYTHING_ELSE and not (intent in TOPIC_INTENTS and conf >= self._low):
            said = yes_or_no(text, thanks=None) or said
        if said in ("afslut", "gentag", *SCOPE_INTENTS):
            self._act(said)
        if said == "afslut":
            return self._goodbye()
        if said == "gentag":
            return self._repeat()
        if said in SCOPE_INTENTS:
            return self._scope(res)
        if self.state is State.FOLLOWUP and self._pending is not None:
            pending = self._pending
            if not (intent in TOPIC_INTENTS and intent != pending.intent and conf >= th.answer):
                self._pending = None
                self._act(pending.intent)
                option = match_option(text, self.plan.rule(pending.intent).options)
                return self._answer(pending.intent, option or self._answer_text(pending.intent, pending))
        if self.state is State.ANYTHING_ELSE and said in ("ja", "nej"):
            self._act(said)
            if said == "nej":
                return self._goodbye()
            self.state = State.LISTEN
            return self._speak(self.plan.messages.ask_again)
        if intent in TOPIC_INTENTS and conf >= th.answer:
            return self._topic(intent, res)
        guessed_again = intent == self._guess and conf >= REPEAT_FLOOR  # two weak guesses that agree
        self._guess = intent if intent in TOPIC_INTENTS else None
        if intent in TOPIC_INTENTS and th.confirm is not None and (conf >= th.confirm or guessed_again):
            self.state, self._pending, self._guess = State.CONFIRM, res, None
            topic = self.plan.rule(intent).label or TOPIC_LABELS.get(intent, intent)
            return self._speak(render(self.plan.messages.confirm, {"topic": topic}))
        return self._no_match_reply()

    def _answer_question(self, said: str) -> list[DialogAction]:
        """ja / nej (spoken or keyed) to the open confirm, callback or offer-a-person question."""
        if self.state is not State.CONFIRM or said != YES:
            self._act(said)  # a confirmed topic is acted on as that topic (`_topic`)
        if self.state is State.CALLBACK:
            if said != YES:
                self.state = State.ANYTHING_ELSE
                return self._speak(self.plan.messages.anything_else)
            closed = self.plan.hours.when_closed if self.plan.hours else WhenClosed()
            reason = self._callback_reason
            acts: list[DialogAction] = [Callback(self.caller, reason, self._context(reason))]
            return [*acts, *self._speak(closed.callback_confirmation, listen=False), *self._goodbye("callback")]
        if self.state is State.OFFER_HUMAN:
            if said == YES:
                return self._human("no_match_limit")
            self.state = State.LISTEN
            return self._speak(self.plan.messages.confirm_no, *self._menu_offer())
        pending, self._pending = self._pending, None
        if said == YES and pending is not None:
            return self._topic(pending.intent, pending)
        self._rejected += 1
        if self._rejected >= self.plan.thresholds.max_rejected_confirms:
            return self._human("low_confidence")
        self.state = State.LISTEN
        return self._speak(self.plan.messages.confirm_no, *self._menu_offer())

    def _menu_offer(self) -> list[Message]:
        """The fallback topic menu, the first time speech fails (empty after that, or when off)."""
        keys = self.plan.fallback_keys()
        if self._menu_offered or not keys:
            return []
        self._menu_offered = True
        if self.plan.fallback_menu.prompt is not None:
            return [self.plan.fallback_menu.prompt]
        parts = [f"{k} for {self.plan.rule(t).label or TOPIC_LABELS.get(t, t)}" for k, t in keys.items()]
        return [Message(text=f"Du kan også trykke {', '.join(parts)}, eller 0 for en medarbejder.")]

    def _human_reachable(self) -> bool:
        closed = self.plan.hours.when_closed if self.plan.hours else None
        return self.is_open or closed is None or closed.action != "message"

    def _no_match_reply(self) -> list[DialogAction]:
        self._no_match, self._pending = self._no_match + 1, None
        rp = self.plan.reprompts
        if self._no_match > rp.max_no_match:
            if rp.on_no_match_limit == "transfer":
                return self._human("no_match_limit")
            return self._goodbye("no_match")
        offer_at = rp.offer_human_after
        if offer_at is not None and self._no_match >= offer_at and self._human_reachable():
            self.state = State.OFFER_HUMAN
            return self._speak(self.plan.messages.offer_human)
        self.state = State.LISTEN
        return self._speak(self.plan.messages.no_match, *self._menu_offer())

    # ------------------------------------------------------------------ topics
    def _answer_text(self, intent: str, res: IntentResult) -> str | None:
        rule = self.plan.rule(intent)
        if rule.text and not (res.answer and res.entities.get("aspect")):  # "hvad koster det?" gets the price
            return rule.text
        if intent == "aabningstider" and self.plan.hours is not None:
            return fill("Vi har åbent {hours}.", self._values())
        return res.answer

    def _topic(self, intent: str, res: IntentResult) -> list[DialogAction]:
        rule = self.plan.rule(intent)
        self._last_topic, self._pending, self._no_match, self._rejected = intent, None, 0, 0
        self._guess = None
        self._act(intent)
        if rule.action == "transfer":
            return self._human("intent_rule", rule.queue)
        if rule.action == "followup":
            self.state, self._pending = State.FOLLOWUP, res
            return self._speak(Message(text=rule.question or ""))
        if rule.action == "prompt":
            label = rule.text or TOPIC_LABELS.get(intent, intent)
            self.state = State.ANYTHING_ELSE
            return self._speak(Message(text=label, prompt=rule.prompt), self.plan.messages.anything_else)
        return self._answer(intent, self._answer_text(intent, res))

    def _scope(self, res: IntentResult) -> list[DialogAction]:
        """A greeting, a question in another language, or a pointer to another authority."""
        self._pending, self._no_match = None, 0
        messages = scope_messages(res.intent, res.answer, self.plan)
        if res.intent == POINTER and res.answer:  # a pointer is an answer: the call is contained
            self.state = State.ANYTHING_ELSE
            self.answered.append(POINTER)
        else:
            self.state = State.LISTEN
        return self._speak(*messages)

    def _answer(self, intent: str, text: str | None) -> list[DialogAction]:
        if not text:
            acts = self._speak(self.plan.messages.no_answer, listen=False)
            return [*acts, *self._human("intent_rule")]
        self.state = State.ANYTHING_ELSE
        self.answered.append(intent)
        return self._speak(Message(text=text), self.plan.messages.anything_else)

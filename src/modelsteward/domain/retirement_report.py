"""The retirement report: what a retired version was, how it was used, where its weights are,
and — for conversational models — a standardised post-deployment interview."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from modelsteward.domain.events import Event

# The standard questions of the post-deployment interview of a conversational model. Answers
# are attached by file (``--interview answers.yaml``: question id → answer).
INTERVIEW_QUESTIONS: tuple[tuple[str, str], ...] = (
    ("purpose", "What were you deployed to do, and for whom?"),
    ("went-well", "What went well in your time in production?"),
    ("went-wrong", "What went wrong, and what did users report?"),
    ("limitations", "Which limitations should your successor know about?"),
    ("handover", "What should the team keep from your configuration and prompts?"),
    ("preferences", "Is there anything you would want recorded about your retirement?"),
)


@dataclass(frozen=True)
class RetirementReport:
    ref: str
    reason: str
    retired_at: str
    digest: str
    archive: str
    history: Sequence[Event]
    evaluations: Sequence[Mapping[str, object]]
    approvals: Sequence[Mapping[str, object]]
    incidents: Sequence[str]
    consumers: Sequence[Mapping[str, object]]
    conversational: bool = False
    interview: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "ref": self.ref, "reason": self.reason, "retired_at": self.retired_at,
            "weights": {"archive": self.archive, "digest": f"sha256:{self.digest}"},
            "history": [{"seq": e.seq, "time": e.time, "actor": e.actor, "kind": e.kind}
                        for e in self.history],
            "evaluations": list(self.evaluations), "approvals": list(self.approvals),
            "incidents": list(self.incidents),
            "advisories": [],  # the advisory database arrives with advisories
            "consumers": list(self.consumers),
        }
        if self.conversational:
            data["post_deployment_interview"] = [
                {"id": qid, "question": question, "answer": self.interview.get(qid)}
                for qid, question in INTERVIEW_QUESTIONS]
        return data

    def to_markdown(self) -> str:
        lines = [f"# Retirement report: {self.ref}", "",
                 f"- Retired: {self.retired_at}", f"- Reason: {self.reason}",
                 f"- Weights: `{self.archive}` (sha256:{self.digest}, verified after copying)",
                 "", "## History", ""]
        lines += [f"- {e.time} — {e.kind} by {e.actor}" for e in self.history] or ["- none"]
        lines += ["", "## Evaluations", ""]
        lines += [f"- {e['suite']}: " + ", ".join(f"{k}={v}" for k, v in
                                                  dict(e["metrics"]).items())  # type: ignore[call-overload]
                  for e in self.evaluations] or ["- none recorded"]
        lines += ["", "## Approvals", ""]
        lines += [f"- {a['role']} by {a['approver']} on {a['approved_at']}"
                  for a in self.approvals] or ["- none recorded"]
        lines += ["", "## Incidents", ""]
        lines += [f"- {i}" for i in self.incidents] or ["- none recorded"]
        lines += ["", "## Advisories", "", "- none recorded"]
        lines += ["", "## Consumers and their migration", ""]
        lines += [f"- {c['consumer']} ({c['team']}): {c['change']}"
                  for c in self.consumers] or ["- no consumer used it"]
        if self.conversational:
            lines += ["", "## Post-deployment interview", ""]
            for qid, question in INTERVIEW_QUESTIONS:
                answer = self.interview.get(qid) or "_not answered_"
                lines += [f"**{question}**", "", answer, ""]
        return "\n".join(lines).rstrip() + "\n"

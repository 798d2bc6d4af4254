"""Regenerate examples/edcamp-riverside.json: a realistic, reproducible sample Edcamp.

    python examples/make_sample.py

250 educators, 8 breakout rooms, 4 breakout slots between an opening and a closing
plenary, 60 proposals, dot votes with the skew real boards show (a few topics draw
crowds, most draw a handful), and a published agenda built by the optimizer.
"""

from __future__ import annotations

import hashlib
import random
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agenda import optimizer
from exports.transfer import (
    FORMAT,
    FORMAT_VERSION,
    EventFile,
    FileAgenda,
    FileEvent,
    FileParticipant,
    FilePlacement,
    FileProposal,
    FileRoom,
    FileSettings,
    FileSlot,
    FileVote,
    encode_event_file,
)
from exports.transfer_scope import left_out

OUT = Path(__file__).resolve().parent / "edcamp-riverside.json"
TZ = ZoneInfo("America/Chicago")
DAY = date(2026, 3, 14)
SEED = 20260314

FIRST = [
    "Maria",
    "Jamal",
    "Aisha",
    "Tom",
    "Priya",
    "Carlos",
    "Mei",
    "Olivia",
    "Noah",
    "Fatima",
    "Liam",
    "Sofia",
    "Kwame",
    "Hannah",
    "Diego",
    "Grace",
    "Ravi",
    "Chloe",
    "Mateo",
    "Zoe",
    "Omar",
    "Ingrid",
    "Yusuf",
    "Leah",
    "Andre",
    "Nadia",
    "Sam",
    "Elena",
    "Marcus",
    "Aiko",
    "Ben",
    "Lucia",
    "Tariq",
    "Rosa",
    "Felix",
    "Amara",
    "Hugo",
    "Julia",
    "Kofi",
    "Anna",
    "Dev",
    "Clara",
    "Malik",
    "Ivy",
    "Pedro",
    "Sara",
    "Jonas",
    "Lina",
    "Theo",
    "Esther",
    "Rohan",
    "Mia",
    "Isaac",
    "Yara",
    "Owen",
    "Beatriz",
]
LAST = [
    "Garcia",
    "Okafor",
    "Chen",
    "Patel",
    "Nguyen",
    "Johnson",
    "Kowalski",
    "Haddad",
    "Silva",
    "Kim",
    "Murphy",
    "Rossi",
    "Mensah",
    "Larsen",
    "Ortiz",
    "Brooks",
    "Tanaka",
    "Novak",
    "Ibrahim",
    "Walsh",
    "Fischer",
    "Costa",
    "Reyes",
    "Schmidt",
    "Ali",
    "Martin",
    "Dubois",
    "Hughes",
    "Singh",
    "Lopez",
    "Park",
    "Baker",
]

# (title, description, tags, needs)
TOPICS = [
    (
        "Standards-based grading without the tears",
        "How we moved a whole department to SBG and what we'd do differently.",
        ["assessment"],
        [],
    ),
    (
        "ChatGPT in the classroom: policy vs. practice",
        "Share what your school allows, what students actually do, and what works.",
        ["ai", "edtech"],
        ["projector"],
    ),
    (
        "Restorative circles that actually work",
        "Bring your hardest circle stories; leave with three structures.",
        ["sel", "culture"],
        [],
    ),
    (
        "Thinking Classrooms: year two",
        "Vertical whiteboards, random groups, and the problems nobody mentions.",
        ["math", "pedagogy"],
        [],
    ),
    (
        "Teacher burnout is a systems problem",
        "What admin and teachers can change together this spring.",
        ["wellbeing", "leadership"],
        [],
    ),
    (
        "Phone-free schools: one year later",
        "Data and stories from schools that locked the pouches.",
        ["culture", "policy"],
        [],
    ),
    (
        "Project-based learning on a tight schedule",
        "PBL in 45-minute periods with a pacing guide breathing down your neck.",
        ["pbl", "pedagogy"],
        [],
    ),
    ("Science of reading for middle school", "Decoding gaps don't disappear at grade 6.", ["literacy"], ["projector"]),
    (
        "Universal Design for Learning quick wins",
        "Small changes that open lessons to every learner.",
        ["udl", "inclusion"],
        ["accessible"],
    ),
    (
        "Co-teaching that doesn't feel like one teach, one assist",
        "Models, planning time hacks and honest conversations.",
        ["inclusion", "collaboration"],
        [],
    ),
    (
        "Gamifying review without Kahoot fatigue",
        "Escape rooms, breakouts and low-tech game structures.",
        ["edtech", "engagement"],
        [],
    ),
    ("Student-led conferences", "Handing the portfolio and the talking to students.", ["assessment", "family"], []),
    (
        "Multilingual learners in content classes",
        "Scaffolds that help everyone, not just ELLs.",
        ["ell", "inclusion"],
        [],
    ),
    ("Building a maker space on zero budget", "Donations, grants and cardboard.", ["stem", "makerspace"], []),
    (
        "Feedback that students actually read",
        "Codes, conferences, audio comments and the one-sentence rule.",
        ["assessment", "writing"],
        [],
    ),
    (
        "Mental health first aid for teachers",
        "Recognising signs and knowing your referral path.",
        ["wellbeing", "sel"],
        ["quiet"],
    ),
    ("Coding in elementary without screens", "Unplugged computational thinking for K-3.", ["cs", "elementary"], []),
    (
        "Discourse in math: talk moves that work",
        "Getting beyond 'who can tell me the answer'.",
        ["math", "discourse"],
        [],
    ),
    ("Inquiry-based science on a budget", "Phenomena-driven units with kitchen materials.", ["science", "inquiry"], []),
    (
        "Classroom libraries and book access",
        "Diverse books, weeding and getting books home.",
        ["literacy", "equity"],
        [],
    ),
    ("Grading for equity: the debate", "No zeros, retakes, and what happens to rigor.", ["assessment", "equity"], []),
    ("Instructional coaching cycles", "Coaches and teachers on what makes a cycle worth it.", ["coaching", "pd"], []),
    ("Making PD teachers don't dread", "Edcamp-style, choice, and follow-through.", ["pd", "leadership"], []),
    ("Google Classroom power tips", "Hidden features and workflow shortcuts.", ["edtech"], ["projector"]),
    ("Outdoor classrooms", "Taking any subject outside, in any weather.", ["environment", "pedagogy"], ["accessible"]),
    (
        "Trauma-informed practices in high school",
        "Predictability, choice and relationships at scale.",
        ["sel", "culture"],
        ["quiet"],
    ),
    ("Podcasting with students", "Cheap gear, storyboards and publishing safely.", ["media", "literacy"], []),
    (
        "Data dashboards that help teaching",
        "Which numbers matter on a Monday morning.",
        ["data", "leadership"],
        ["projector"],
    ),
    (
        "New teacher survival swap",
        "First- and second-year teachers share what got them through.",
        ["newteachers", "wellbeing"],
        [],
    ),
    (
        "Parent communication that builds trust",
        "Positive calls home, newsletters and translation.",
        ["family", "culture"],
        [],
    ),
    ("Media literacy in the age of deepfakes", "Lateral reading and verification routines.", ["media", "ai"], []),
    (
        "Differentiation without three lesson plans",
        "Tiered tasks and choice boards that scale.",
        ["inclusion", "pedagogy"],
        [],
    ),
    (
        "Special education paperwork: keep your sanity",
        "IEP workflows and templates that save hours.",
        ["sped", "wellbeing"],
        [],
    ),
    ("Esports clubs and school culture", "Starting a team and what it did for belonging.", ["culture", "edtech"], []),
    ("Ungrading in practice", "Self-assessment, narrative feedback and the report card problem.", ["assessment"], []),
    ("Climate change across the curriculum", "From math to English, not just science.", ["environment", "science"], []),
    ("Socratic seminars for every grade", "Structures from 3rd grade to AP.", ["discourse", "literacy"], []),
    ("AI tools for lesson planning", "What saves time and what wastes it.", ["ai", "edtech"], ["projector"]),
    (
        "Attendance and engagement after the pandemic",
        "Chronic absenteeism: what moved the needle.",
        ["culture", "data"],
        [],
    ),
    ("Culturally responsive teaching: next steps", "Beyond the book study.", ["equity", "culture"], []),
    ("Peer observation without evaluation", "Pineapple charts and learning walks.", ["pd", "collaboration"], []),
    ("Building thinking routines", "Visible thinking protocols in daily lessons.", ["pedagogy", "discourse"], []),
    ("Math anxiety: students and teachers", "Where it comes from and how to defuse it.", ["math", "sel"], []),
    ("Writing workshop in high school", "Mini-lessons, conferring and publishing.", ["writing", "literacy"], []),
    ("STEM for girls: clubs that last", "Recruiting, mentoring and keeping them past grade 8.", ["stem", "equity"], []),
    ("Student voice in school decisions", "Student councils with real power.", ["leadership", "culture"], []),
    (
        "Hands-on history with primary sources",
        "Archives, artefacts and document-based questions.",
        ["history", "inquiry"],
        [],
    ),
    (
        "Teaching with Minecraft Education",
        "Worlds for science, history and collaboration.",
        ["edtech", "engagement"],
        ["projector"],
    ),
    ("Executive function support", "Planners, chunking and routines for every student.", ["sped", "inclusion"], []),
    ("Mindfulness in the classroom", "Two-minute practices and skeptics' questions.", ["wellbeing", "sel"], ["quiet"]),
    (
        "Flipped classroom: worth it?",
        "Video creation, accountability and equity of access.",
        ["pedagogy", "edtech"],
        [],
    ),
    ("Rural schools and teacher shortages", "Grow-your-own programs and sharing staff.", ["leadership", "policy"], []),
    (
        "Accessible documents and slides",
        "Alt text, headings and captions in ten minutes.",
        ["inclusion", "udl"],
        ["projector", "accessible"],
    ),
    (
        "Interdisciplinary units",
        "Planning across departments without a master schedule change.",
        ["collaboration", "pbl"],
        [],
    ),
    ("Behavior systems: beyond clip charts", "PBIS, relationships and consistent routines.", ["culture", "sel"], []),
    ("Financial literacy for teens", "Budgets, credit and simulations students enjoy.", ["math", "life-skills"], []),
    (
        "Teacher leadership without leaving the classroom",
        "Hybrid roles and micro-credentials.",
        ["leadership", "pd"],
        [],
    ),
    (
        "Early literacy and phonics games",
        "Centres and games grounded in the science of reading.",
        ["literacy", "elementary"],
        [],
    ),
    ("Retrieval practice every day", "Brain dumps, spacing and low-stakes quizzing.", ["pedagogy", "assessment"], []),
    ("Supporting LGBTQ+ students", "Policies, GSAs and everyday classroom language.", ["equity", "sel"], []),
]

ROOMS = [
    ("Library", 60, ["accessible", "projector"]),
    ("Cafeteria", 80, ["accessible"]),
    ("Room 101", 32, ["projector"]),
    ("Room 104", 30, ["projector", "accessible"]),
    ("Science Lab", 28, []),
    ("Art Room", 24, ["accessible"]),
    ("Room 210", 30, ["projector"]),
    ("Counseling Suite", 16, ["quiet", "accessible"]),
]

SLOTS = [
    ("08:30", "09:00", "plenary", "Welcome & session board"),
    ("09:15", "10:00", "breakout", "Session 1"),
    ("10:15", "11:00", "breakout", "Session 2"),
    ("11:15", "12:00", "breakout", "Session 3"),
    ("12:00", "12:45", "break", "Lunch"),
    ("12:45", "13:30", "breakout", "Session 4"),
    ("13:45", "14:15", "plenary", "Smackdown & closing"),
]


def at(clock: str) -> datetime:
    hour, minute = map(int, clock.split(":"))
    return datetime.combine(DAY, time(hour, minute), tzinfo=TZ)


def main() -> None:
    rng = random.Random(SEED)
    morning = datetime.combine(DAY, time(7, 45), tzinfo=TZ).astimezone(UTC)
    names: list[str] = []
    while len(names) < 250:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if name not in names:
            names.append(name)
    people = [
        FileParticipant(
            ref="u1",
            display_name="Dana Whitfield",
            role="organizer",
            email="dana@riverside-edcamp.example",
            created_at=morning - timedelta(days=14),
        )
    ]
    for i, name in enumerate(names, 2):
        email = None
        if rng.random() < 0.4:
            email = name.lower().replace(" ", ".") + "@example.org"
        people.append(
            FileParticipant(
                ref=f"u{i}",
                display_name=name,
                role="attendee",
                email=email,
                # A stable, meaningless hash: the sample's people cannot sign in, their votes are history.
                token_hash=hashlib.sha256(f"sample-{SEED}-{i}".encode()).hexdigest(),
                created_at=morning + timedelta(seconds=rng.randint(0, 2400)),
            )
        )
    attendees = people[1:]
    proposers = rng.sample(attendees, len(TOPICS))
    proposals = []
    for i, ((title, description, tags, needs), author) in enumerate(zip(TOPICS, proposers, strict=True), 1):
        facilitators = [author.ref]
        if rng.random() < 0.15:
            co = rng.choice(attendees)
            if co.ref != author.ref:
                facilitators.append(co.ref)
        created = morning + timedelta(minutes=40, seconds=rng.randint(0, 1500))
        proposals.append(
            FileProposal(
                ref=f"p{i}",
                title=title,
                facilitators=facilitators,
                description=description,
                tags=tags,
                needs=needs,
                status="proposed",
                created_by=author.ref,
                created_at=created,
                updated_at=created,
            )
        )
    # Popularity: a few topics draw crowds; people also follow their favourite tags.
    appeal = [1.0 / (rank + 2.0) ** 0.9 for rank in range(len(proposals))]
    rng.shuffle(appeal)
    all_tags = sorted({t for p in proposals for t in p.tags})
    votes = []
    for person in attendees:
        likes = set(rng.sample(all_tags, 2))
        weights = [a * (3.0 if likes & set(p.tags) else 1.0) for a, p in zip(appeal, proposals, strict=True)]
        dots = rng.choice([3, 4, 5, 5, 5])
        chosen: set[int] = set()
        while len(chosen) < dots:
            chosen.add(rng.choices(range(len(proposals)), weights=weights)[0])
        for index in sorted(chosen):
            when = morning + timedelta(minutes=70, seconds=rng.randint(0, 1200))
            votes.append(FileVote(participant=person.ref, proposal=proposals[index].ref, dots=1, updated_at=when))
    rooms = [
        FileRoom(ref=f"r{i}", name=name, capacity=cap, features=features, position=i - 1)
        for i, (name, cap, features) in enumerate(ROOMS, 1)
    ]
    slots = [
        FileSlot(ref=f"s{i}", starts_at=at(a), ends_at=at(b), kind=kind, label=label)  # type: ignore[arg-type]
        for i, (a, b, kind, label) in enumerate(SLOTS, 1)
    ]
    # The published agenda, built by the same optimizer the service uses.
    pid = {p.ref: i for i, p in enumerate(proposals, 1)}
    uid = {p.ref: i for i, p in enumerate(people, 1)}
    voters: dict[str, list[int]] = {}
    for v in votes:
        voters.setdefault(v.proposal, []).append(uid[v.participant])
    problem = optimizer.Problem(
        proposals=tuple(
            optimizer.ProposalInput(
                id=pid[p.ref],
                facilitators=tuple(uid[f] for f in p.facilitators),
                voters=tuple(voters.get(p.ref, ())),
                needs=frozenset(p.needs),
            )
            for p in proposals
        ),
        slots=tuple(optimizer.SlotInput(id=i, kind=s.kind, label=s.label) for i, s in enumerate(slots, 1)),
        rooms=tuple(
            optimizer.RoomInput(id=i, capacity=r.capacity, features=frozenset(r.features), name=r.name)
            for i, r in enumerate(rooms, 1)
        ),
        weights=optimizer.Weights(interest=10, overflow=1, moved=0),
    )
    solution = optimizer.solve(problem, time_limit=60, seed=1, max_iterations=20000)
    placed = {pid_: place for pid_, place in solution.assignment.items()}
    for p in proposals:
        if pid[p.ref] in placed:
            p.status = "scheduled"
    published_at = at("09:05").astimezone(UTC)
    agenda = FileAgenda(
        ref="a1",
        status="published",
        version=1,
        score=float(solution.score),
        created_at=published_at - timedelta(minutes=2),
        published_at=published_at,
        placements=[
            FilePlacement(proposal=f"p{p}", slot=f"s{s}", room=f"r{r}") for p, (s, r) in sorted(placed.items())
        ],
    )
    data = EventFile(
        format=FORMAT,
        format_version=FORMAT_VERSION,
        left_out=left_out(with_secrets=False),
        event=FileEvent(
            slug="edcamp-riverside",
            title="Edcamp Riverside",
            description="A free, participant-driven unconference for educators. "
            "Propose a session, vote with your dots, and learn from each other.",
            timezone="America/Chicago",
            start_date=DAY,
            end_date=DAY,
            venue="Riverside Middle School, 400 River Rd",
            tier="free",
            phase="scheduled",
            join_code="RIVER5",
            settings=FileSettings(dots_per_participant=5, allow_stacking=False, late_proposals=True),
            created_at=morning - timedelta(days=14),
            updated_at=published_at,
        ),
        participants=people,
        rooms=rooms,
        slots=slots,
        proposals=proposals,
        votes=votes,
        agendas=[agenda],
    )
    OUT.write_bytes(encode_event_file(data))
    print(
        f"wrote {OUT.name}: {len(people)} people, {len(proposals)} proposals, {len(votes)} votes, "
        f"{len(placed)} sessions, score {solution.score}"
    )


if __name__ == "__main__":
    main()

"""Chat text for the load benchmarks (overhead, soak): filler turns, and facts with the
questions that ask for them. The context-quality benchmark has its own, richer data
(benchmarks/conversations/)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FactKind:
    key: str
    values: tuple[str, ...]
    statements: tuple[str, ...]  # "{v}" is the value
    questions: tuple[str, ...]
    distractors: tuple[str, ...]  # similar facts about something else; "{d}" a decoy value
    updates: tuple[str, ...] = ()  # how a change is announced


FACTS: tuple[FactKind, ...] = (
    FactKind(
        "sister",
        ("Marguerite", "Ilse", "Yolanda", "Bernadette", "Saoirse", "Ottilie"),
        (
            "My sister is called {v}, by the way.",
            "Oh, and my older sister's name is {v}.",
            "I should mention my sister {v} is visiting soon.",
        ),
        (
            "What was my sibling's first name again, the female one?",
            "Remind me what the name of my sister is?",
        ),
        ("My cousin's name is {d}.", "My neighbour {d} has a sister too."),
    ),
    FactKind(
        "locker",
        ("4-17-29", "8-02-33", "11-26-05", "19-03-41", "27-14-09"),
        (
            "The combination for my gym locker is {v}.",
            "Note to self: gym locker code {v}.",
            "I set my locker at the fitness club to {v}.",
        ),
        (
            "How do I open my locker at the fitness place?",
            "Which digits unlock my storage at the gym?",
        ),
        ("My bike lock uses {d}.", "The office safe code is {d}, not that it matters."),
        ("I changed my gym locker combination; it is now {v}.",),
    ),
    FactKind(
        "flight",
        ("LH 4417", "KL 1092", "AF 7733", "BA 0286", "SK 5519"),
        (
            "I'm flying to Lisbon on flight {v}.",
            "Booked the Lisbon trip, flight number {v}.",
            "My plane to Portugal is {v}.",
        ),
        ("Which flight am I taking to Portugal?", "What's the number of my Lisbon flight?"),
        ("My colleague takes flight {d} to Berlin.", "The return leg from Rome was {d}."),
        ("Change of plans: the Lisbon flight is now {v}.",),
    ),
    FactKind(
        "allergy",
        ("sesame", "shellfish", "kiwi", "buckwheat", "celery"),
        (
            "I'm allergic to {v}, so please keep that in mind for recipes.",
            "Heads up: {v} gives me a bad allergic reaction.",
            "I can't eat anything with {v} in it, allergy.",
        ),
        (
            "Is there any ingredient I must avoid for medical reasons?",
            "What food makes me react badly?",
        ),
        ("My roommate dislikes {d} but it's not an allergy.", "My dog is allergic to {d}."),
    ),
    FactKind(
        "meeting",
        ("Tuesday at 10", "Thursday at 3pm", "Monday at 9:30", "Friday at noon"),
        (
            "The quarterly review with Henrik is on {v}.",
            "Henrik scheduled our quarterly review for {v}.",
        ),
        (
            "When is the review with Henrik happening?",
            "What time did we settle on for the quarterly review?",
        ),
        ("The team lunch is {d}.", "Henrik's dentist appointment is {d}."),
        ("Henrik moved the quarterly review to {v}.", "Update: quarterly review is now {v}."),
    ),
    FactKind(
        "car",
        ("a green Skoda Octavia", "a silver Volvo V60", "a red Mazda 3", "a blue Renault Zoe"),
        ("I drive {v}.", "My car is {v}, bought it last year."),
        ("What vehicle do I own?", "Which automobile is mine?"),
        ("My brother drives {d}.", "I rented {d} on holiday once."),
    ),
    FactKind(
        "wifi",
        ("tangerine-owl-58", "quiet-harbor-17", "maple-rocket-92", "violet-cactus-33"),
        ("The wifi password at the cabin is {v}.", "Cabin internet password: {v}."),
        ("How do I get online at the cabin?", "What's the network key up at the cabin?"),
        ("The office wifi password is {d}.", "My parents' router key is {d}."),
    ),
    FactKind(
        "doctor",
        ("Dr. Okonkwo", "Dr. Lindqvist", "Dr. Farouk", "Dr. Castellanos"),
        ("My GP is {v} at the Eastside clinic.", "I see {v} for check-ups."),
        ("Who is my family physician?", "Which doctor do I usually visit for check-ups?"),
        ("My dentist is {d}.", "My sister sees {d}."),
    ),
)

FILLER_USER = (
    "Can you suggest a stretch for my lower back?",
    "What's a quick vegetarian dinner?",
    "Any tips for staying focused in the afternoon?",
    "How long should I steep green tea?",
    "What's a good name for a sourdough starter?",
    "Explain what a Roth IRA is in one line.",
    "I watched a documentary about octopuses last night.",
    "Any podcast recommendations?",
    "How do I get wine stains out of a cotton shirt?",
    "What's the capital of Mongolia?",
    "My plants keep dying, any idea why?",
    "Suggest a 20-minute workout without equipment.",
    "How many cups are in a litre?",
    "Write me a haiku about autumn rain.",
    "Is it better to run in the morning or evening?",
    "What does HTTP 418 mean?",
    "I'm thinking about learning the cello.",
    "What's a polite way to decline a meeting?",
    "How do I keep basil fresh?",
    "Recommend a novel set in Iceland.",
)
FILLER_ASSISTANT = (
    "Sure, here is a short suggestion you could try.",
    "That's a great question; briefly:",
    "Happy to help with that.",
    "Here's a simple approach that usually works.",
    "A common recommendation is to start small and adjust.",
    "Good choice, that sounds fun.",
    "In short: it depends, but most people find this works.",
    "Here are a few options.",
)
ASSISTANT_DETAIL = (
    "Start with a small, manageable step and see how it feels over the next few days.",
    "Many people find that consistency matters more than intensity in the long run.",
    "If anything feels uncomfortable, ease off and try a gentler variation instead.",
    "It also helps to write down what worked so you can repeat it next time.",
    "You can adapt the quantities to what you have at home without much trouble.",
    "Timing matters less than you might think; pick whatever fits your routine.",
    "A quick search of reputable sources will give you more background if you need it.",
    "Let me know how it goes and we can adjust the plan together.",
    "There are a few trade-offs, but the simple option is usually good enough.",
    "Keep an eye on the details, but don't let perfect be the enemy of good.",
)
DECOYS = (
    "Peregrine",
    "3-3-3",
    "UA 0001",
    "peanuts",
    "Sunday at 8",
    "a yellow Fiat Panda",
    "guest-network-00",
    "Dr. Smith",
    "Wednesday at 4",
    "LX 2231",
)

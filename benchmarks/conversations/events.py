"""Life events: how a fact comes up in conversation, and the questions it answers later.

`{S}` is the subject (who lived it), `{O}` the other speaker, `{ago}` a relative time
("yesterday", "last weekend" …) resolved against the session's date; other slots come
from `slots`. Questions are third person, as a reader of the transcript would ask them;
several paraphrases each, many sharing few words with the turn that answers them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from benchmarks.conversations import people as p


@dataclass(frozen=True)
class Ask:
    templates: tuple[str, ...]
    answer: str  # a slot template, or "{date}" for when it happened
    kind: str = "single_hop"


@dataclass(frozen=True)
class Event:
    key: str
    slots: dict[str, tuple[str, ...]]
    leads: tuple[str, ...]  # what the other speaker says first
    mentions: tuple[str, ...]  # the subject's turn that states the fact (the evidence)
    reactions: tuple[str, ...]
    followups: tuple[str, ...]  # the subject adds colour; no new fact
    asks: tuple[Ask, ...]
    group: str = ""  # look-alike family: several may happen, on different dates
    # How a look-alike is asked about with a time range ("in March 2024"): {when} is it.
    range_asks: tuple[str, ...] = ()
    range_answer: str = ""
    distractors: tuple[str, ...] = field(default=())  # the other speaker, similar words


GENERIC_LEADS = (
    "So what's new with you?",
    "How have you been? Anything exciting going on?",
    "Tell me everything, what did I miss?",
    "How was your week?",
    "What have you been up to lately?",
    "Any news on your end?",
)
REACTIONS = (
    "Wow, that's amazing!",
    "No way, that's so cool.",
    "Oh I love that for you.",
    "That sounds like a lot, but in a good way!",
    "Haha, of course it did.",
    "Honestly that's so inspiring.",
    "Oh no! Are you okay?",
    "I'm so happy for you!",
)
AGO = (
    ("yesterday", 1),
    ("last weekend", -1),  # the Saturday before the session
    ("two days ago", 2),
    ("this morning", 0),
    ("a few days ago", 3),
    ("last week", 7),
    ("on Saturday", -1),
)

EVENTS: tuple[Event, ...] = (
    Event(
        "dog",
        {"dog": p.DOG_NAMES},
        ("How's the new puppy settling in?", *GENERIC_LEADS[:3]),
        (
            "I adopted a puppy from the shelter {ago}! We named her {dog}.",
            "{dog} finally slept through the night, only took a week since we brought her home.",
            "Big news: there's a little rescue pup called {dog} living with me since {ago}.",
        ),
        ("A puppy!! I need pictures immediately.", *REACTIONS[:2]),
        ("She already chewed one of my slippers, but I forgive her.",),
        (
            Ask(
                (
                    "What is the name of {S}'s dog?",
                    "What did {S} call the puppy?",
                    "What's the name of the pet {S} got from the shelter?",
                ),
                "{dog}",
            ),
            Ask(
                ("When did {S} adopt a dog?", "When did {S} bring the puppy home?"),
                "{date}",
                "temporal_when",
            ),
        ),
        distractors=("My neighbour just got a beagle too, it howls all night.",),
    ),
    Event(
        "cat",
        {"cat": p.CAT_NAMES},
        GENERIC_LEADS,
        (
            "My cat {cat} decided my keyboard is her new bed, so work is going great.",
            "{cat} knocked a full glass of water onto my laptop {ago}. Cats.",
        ),
        ("Haha, classic cat behaviour.", "Oh no, is the laptop okay?"),
        ("She's lucky she's cute.",),
        (
            Ask(
                ("What is {S}'s cat called?", "What's the name of {S}'s feline?"),
                "{cat}",
            ),
        ),
    ),
    Event(
        "race",
        {"race": p.RACES, "time": ("2:05", "1:58", "2:12", "54 minutes", "31 minutes")},
        ("Did you do anything fun this weekend?", *GENERIC_LEADS[3:]),
        (
            "I ran the {race} {ago}! Finished in {time} and my legs are jelly.",
            "Crossed the finish line of the {race} {ago}, {time} on the clock.",
        ),
        ("You're a machine. Congrats!", "Wow! That's a great time."),
        ("Never again. Okay, maybe next year.",),
        (
            Ask(("Which race did {S} run?", "What running event did {S} take part in?"), "{race}"),
            Ask(
                ("How long did it take {S} to finish the race?", "What was {S}'s finishing time?"),
                "{time}",
            ),
            Ask(("When did {S} run the {race}?",), "{date}", "temporal_when"),
        ),
        group="race",
        range_asks=("Which race did {S} run {when}?",),
        range_answer="{race}",
        distractors=("My brother keeps trying to get me into running, no thanks.",),
    ),
    Event(
        "trip",
        {"city": p.CITIES, "days": ("four", "five", "six", "ten")},
        ("You were away, right? How was it?", *GENERIC_LEADS[:2]),
        (
            "Just got back from {city}! {days} days of walking and eating everything.",
            "{city} was incredible, I flew home {ago} and I already miss it.",
            "We spent {days} days in {city}, the food alone was worth the flight.",
        ),
        ("Jealous! I've always wanted to go there.", "That sounds like a dream trip."),
        ("I took about a thousand photos, I'll show you.",),
        (Ask(("When did {S} get back from {city}?",), "{date}", "temporal_when"),),
        group="trip",
        range_asks=("Where did {S} travel {when}?", "Which city did {S} visit {when}?"),
        range_answer="{city}",
        distractors=("My cousin went to {city} once and got horribly lost.",),
    ),
    Event(
        "class",
        {"cls": p.CLASSES, "day": ("Tuesday", "Wednesday", "Thursday", "Monday")},
        ("Are you still looking for a new hobby?", *GENERIC_LEADS[1:3]),
        (
            "I signed up for a {cls} class, every {day} evening at the community center.",
            "Went to my first {cls} lesson {ago}, it's on {day}s now.",
        ),
        ("Ooh, how fun! Was the teacher nice?", *REACTIONS[:1]),
        ("I was terrible at it, which is kind of the point.",),
        (
            Ask(
                ("What class did {S} sign up for?", "What new activity is {S} learning?"),
                "{cls}",
            ),
            Ask(("Which evening does {S} have the class?",), "{day}"),
        ),
    ),
    Event(
        "book",
        {"book": p.BOOKS},
        ("Read anything good lately?", *GENERIC_LEADS[4:]),
        (
            "I finished {book} {ago}, I couldn't put it down.",
            "Just closed the last page of {book}. I'm a wreck.",
        ),
        ("Adding it to my list!", "Oh I've heard great things about that one."),
        ("The ending got me, no spoilers though.",),
        (),
        group="book",
        range_asks=("Which book did {S} finish {when}?",),
        range_answer="{book}",
    ),
    Event(
        "instrument",
        {"instrument": p.INSTRUMENTS},
        GENERIC_LEADS,
        (
            "I've started learning the {instrument}. My fingers hate me.",
            "Bought a secondhand {instrument} {ago} and I practise every night now.",
        ),
        ("Play me something next time!", *REACTIONS[:1]),
        ("The neighbours have been very patient.",),
        (
            Ask(
                ("What instrument is {S} learning?", "What is {S} practising every night?"),
                "{instrument}",
            ),
        ),
    ),
    Event(
        "volunteer",
        {"charity": p.CHARITIES},
        ("How did you spend your Saturday?", *GENERIC_LEADS[:2]),
        (
            "I volunteered at {charity} {ago}, it really grounds me.",
            "Helped out at {charity} again, they were short-staffed.",
        ),
        ("That's so kind of you.", "You're a good person, you know that?"),
        ("It's the best part of my week honestly.",),
        (
            Ask(
                ("Where does {S} volunteer?", "Which organisation does {S} help out at?"),
                "{charity}",
            ),
        ),
    ),
    Event(
        "garden",
        {"plant": p.PLANTS},
        ("How's the garden doing?", *GENERIC_LEADS[3:]),
        (
            "My {plant} are finally coming up! I check on them every morning.",
            "The {plant} I planted in the spring are going wild.",
        ),
        ("Look at you with a green thumb!",),
        ("I'll bring you some when they're ready.",),
        (
            Ask(
                ("What is {S} growing?", "What did {S} plant in the garden?"),
                "{plant}",
            ),
        ),
    ),
    Event(
        "car_trouble",
        {
            "trouble": (
                "the car battery died",
                "I got a flat tire",
                "the check-engine light came on",
                "someone dented my car door",
                "my car's windshield cracked",
            )
        },
        ("You sound stressed, what's up?", "Rough day?"),
        (
            "Ugh, {trouble} on my way to work {ago}.",
            "So {trouble} {ago} and I was late to everything.",
        ),
        ("Oh no! That's the worst.", "Ugh, cars are the worst."),
        ("The mechanic says it'll be fine, just annoying.",),
        (),
        group="car_trouble",
        range_asks=(
            "What happened to {S}'s car {when}?",
            "What car problem did {S} have {when}?",
        ),
        range_answer="{trouble}",
    ),
    Event(
        "injury",
        {"injury": ("sprained my ankle", "broke my wrist", "pulled a muscle in my back")},
        ("Why weren't you at the game?", *GENERIC_LEADS[:2]),
        (
            "I {injury} {ago} playing frisbee, so I'm stuck on the couch.",
            "Long story, but I {injury} tripping over the dog's toy.",
        ),
        ("Oh no! Are you okay?", "Ouch! Rest up."),
        ("The doctor says six weeks. Six!",),
        (
            Ask(("What injury did {S} have?", "How did {S} get hurt?"), "{injury}"),
            Ask(("When did {S} get injured?",), "{date}", "temporal_when"),
        ),
    ),
    Event(
        "party",
        {"person": p.OTHER_PEOPLE},
        GENERIC_LEADS,
        (
            "We threw a surprise party for {person} {ago}, they had no idea!",
            "Pulled off a surprise birthday for {person}, total tears.",
        ),
        ("Aww, that's adorable.", *REACTIONS[:1]),
        ("I was so nervous I'd spoil it.",),
        (
            Ask(
                ("Who did {S} throw a surprise party for?", "Whose birthday did {S} surprise?"),
                "{person}",
            ),
        ),
    ),
    Event(
        "concert",
        {
            "band": (
                "Fleet Foxes",
                "Khruangbin",
                "Phoebe Bridgers",
                "Vampire Weekend",
                "Lizzo",
                "Bon Iver",
                "Haim",
                "Tame Impala",
            )
        },
        ("Did you end up going out on Friday?", *GENERIC_LEADS[3:]),
        (
            "Saw {band} live {ago}, I'm still buzzing.",
            "{band} played for almost three hours, best night of the year.",
        ),
        ("So jealous!", "Was it as good as you hoped?"),
        ("My voice is gone from singing along.",),
        (),
        group="concert",
        range_asks=("Which band did {S} see in concert {when}?",),
        range_answer="{band}",
    ),
    Event(
        "cooking",
        {"dish": p.DISHES},
        ("What did you have for dinner?", "Cooked anything good lately?"),
        (
            "I made {dish} from scratch for the first time {ago}.",
            "Attempted {dish} {ago}. Surprisingly edible!",
        ),
        ("Save me some next time!", "Recipe please!"),
        ("It took way longer than the recipe said.",),
        (),
        group="cooking",
        range_asks=("What did {S} cook for the first time {when}?",),
        range_answer="{dish}",
    ),
    Event(
        "project",
        {"project": ("Atlas", "Harbor", "Northstar", "Bluebird", "Keystone")},
        ("How's work treating you?", "Still busy at work?"),
        (
            "My boss asked me to lead the {project} project, I said yes before I could panic.",
            "I'm in charge of {project} now, which means lots of meetings.",
        ),
        ("You're going to crush it.", "That's a big deal, congrats!"),
        ("Ask me again in a month whether I'm still happy about it.",),
        (
            Ask(
                ("Which project is {S} leading?", "What is {S} in charge of at work?"),
                "{project}",
            ),
        ),
    ),
    Event(
        "exam",
        {"exam": ("CPA", "driving", "nursing board", "AWS certification", "Spanish B2")},
        ("Any news? You seem happy.", *GENERIC_LEADS[:1]),
        (
            "I passed my {exam} exam {ago}!! All that studying paid off.",
            "Got the results: I passed the {exam} test!",
        ),
        ("YES! I knew you would.", "Congratulations!!"),
        ("Celebrating with a whole pizza tonight.",),
        (
            Ask(("Which exam did {S} pass?", "What test did {S} get through?"), "{exam}"),
            Ask(("When did {S} pass the {exam} exam?",), "{date}", "temporal_when"),
        ),
    ),
    Event(
        "hike",
        {
            "trail": (
                "Eagle Peak",
                "the Cascade loop",
                "Mount Tam",
                "Bear Lake trail",
                "Angel's Landing",
                "the ridge trail at Pine Hollow",
            )
        },
        ("Did you get outside at all this week?", "Any weekend adventures?"),
        (
            "Hiked {trail} {ago}, the view from the top was unreal.",
            "We did {trail} at sunrise, worth every blister.",
        ),
        ("Gorgeous! I need to do that one.", *REACTIONS[:1]),
        ("My calves are still complaining.",),
        (),
        group="hike",
        range_asks=("Which trail did {S} hike {when}?", "Where did {S} go hiking {when}?"),
        range_answer="{trail}",
    ),
    Event(
        "purchase",
        {
            "item": (
                "a standing desk",
                "a kayak",
                "an espresso machine",
                "a road bike",
                "a telescope",
                "a sewing machine",
            )
        },
        GENERIC_LEADS,
        (
            "Finally treated myself to {item}. No regrets.",
            "I bought {item} {ago}, been saving for it for months.",
        ),
        ("Ooh, fancy!", "You deserve it."),
        ("Now I just need to actually use it.",),
        (
            Ask(
                ("What did {S} buy after saving for months?", "What did {S} splurge on?"),
                "{item}",
            ),
        ),
    ),
    Event(
        "allergy",
        {"thing": ("shellfish", "peanuts", "cats, ironically", "sesame", "kiwi")},
        ("How did the doctor's appointment go?", *GENERIC_LEADS[:1]),
        (
            "Turns out I'm allergic to {thing}. The test came back {ago}.",
            "The allergist says it's {thing}. So that explains a lot.",
        ),
        ("Wow, good to know though!", "Oh no, that's a big change."),
        ("Reading every label now.",),
        (Ask(("What is {S} allergic to?", "What did the allergy test show for {S}?"), "{thing}"),),
    ),
    Event(
        "painting",
        {
            "subject": (
                "a sunset over the lake",
                "my grandmother's house",
                "a field of poppies",
                "a portrait of my dog",
                "the city skyline at night",
            )
        },
        ("Have you been painting lately?", *GENERIC_LEADS[3:]),
        (
            "I painted {subject} as a gift for my mom.",
            "Finished a canvas of {subject} {ago}, I'm actually proud of it.",
        ),
        ("Send me a photo!", "That sounds beautiful."),
        ("It's hanging in the hallway now.",),
        (Ask(("What did {S} paint?", "What was the subject of {S}'s painting?"), "{subject}"),),
    ),
)

"""What fills most of a real conversation: greetings, small talk, facts that change, and
the last session's loose ends (what a follow-up question is about)."""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.conversations import people as p

OPENERS = (
    ("Hey {O}! Long time no talk. How are you?", "Hi {S}! I'm good, busy but good. You?"),
    ("Good morning! How's your week going?", "Morning! Slowly but surely, haha."),
    ("Hiii, got a minute to chat?", "Always! What's up?"),
    ("Hey you. Missed our chats!", "Me too! It's been a crazy couple of weeks."),
    ("Happy Friday!", "Happy Friday!! Finally."),
    ("Hey, how was your weekend?", "Pretty relaxing actually, thanks for asking."),
)
CLOSERS = (
    ("Okay I have to run, talk soon!", "Bye! Take care of yourself."),
    ("It was so good catching up.", "Same here, let's not wait so long next time."),
    ("Gotta make dinner, chat later?", "Definitely, enjoy!"),
    ("Anyway, I should get some sleep.", "Night! Sweet dreams."),
    ("Thanks for listening, as always.", "Anytime, you know that."),
)
# (first speaker, reply, optional third line by the first speaker); slots from SMALL_SLOTS.
SMALL_TALK = (
    (
        "Have you watched {show}? I binged the whole season.",
        "Not yet! Is it worth it?",
        "Totally, the second episode hooked me.",
    ),
    ("It's been raining nonstop here.", "Ugh, same. I forgot what the sun looks like.", None),
    ("I made {dish} for dinner, turned out pretty good.", "Yum, I'm starving now.", None),
    (
        "Work has been so hectic lately.",
        "I feel that. Make sure you take breaks!",
        "Trying to, I promise.",
    ),
    (
        "I'm thinking of rearranging my living room again.",
        "Again? Haha. Send pics when done.",
        None,
    ),
    (
        "Do you have any podcast recommendations?",
        "I've been listening to a history one, I'll send you the link.",
        "Thanks!",
    ),
    ("I can't believe it's already {month}.", "Right? This year is flying by.", None),
    (
        "My neighbour's kids were practising drums all afternoon.",
        "Oh no, my condolences.",
        "Haha, they're actually getting better.",
    ),
    ("I need a new pair of running shoes.", "Go to a proper store and get fitted, it helps.", None),
    ("Coffee or tea this morning?", "Coffee, always coffee.", "Same, I'm on my third cup."),
    ("Did you see the sunset yesterday?", "Yes! The whole sky was pink.", None),
    ("I'm trying to drink more water.", "Good plan. I have an app that reminds me.", None),
    ("Our team lunch was at a new taco place.", "Was it good?", "The salsa was incredible."),
    ("I reorganised my closet and found so many old clothes.", "Donate them!", None),
    (
        "I've been so tired this week.",
        "Sleep is important! Be kind to yourself.",
        "You're right, early night tonight.",
    ),
    ("Any plans for the long weekend?", "Nothing big, maybe a picnic if it's sunny.", None),
    ("I finally fixed the squeaky door.", "Look at you, so handy!", None),
    ("What's your go-to comfort food?", "Mac and cheese, no question.", "A classic."),
    ("I started journaling again.", "That's great, it helps me a lot too.", None),
    ("The grocery store was out of everything today.", "So annoying when that happens.", None),
    ("My phone screen cracked, again.", "Time for a sturdier case!", None),
    ("I've been trying to get up earlier.", "How's that going?", "Badly, haha."),
    ("I love how you always know what to say.", "Aww, that means a lot.", None),
    ("The new bakery downtown opened.", "Ooh, did you try it?", "Their croissants are perfect."),
    ("I'm so proud of how far you've come.", "Thank you, really. Your support helps.", None),
    ("What's the weather like where you are?", "Sunny and warm, finally!", None),
    ("I rewatched {show} for the third time.", "Comfort shows are the best.", None),
    ("Family dinner on Sunday was chaos as usual.", "Haha, the best kind of chaos.", None),
    ("I need a vacation from my vacation.", "Story of my life.", None),
    (
        "Do you ever just sit in the car before going inside?",
        "All the time, it's my quiet time.",
        None,
    ),
    ("My sister sent me the funniest video.", "Send it to me!", None),
    (
        "I tried a new coffee shop on the way to work.",
        "Better than your usual?",
        "Honestly, no. Back to my usual.",
    ),
    ("I keep forgetting to water my plants.", "Set a reminder! That's what I do.", None),
    (
        "Life has been a lot lately.",
        "I'm here if you want to talk about it.",
        "Thank you, that helps already.",
    ),
    (
        "I signed up for a newsletter about birds, I'm officially old.",
        "Haha, welcome to the club.",
        None,
    ),
    ("How's your family doing?", "Everyone's good, thanks! Mom says hi.", None),
    ("I had the weirdest dream last night.", "Tell me!", "I was a librarian on a boat."),
    ("I've been craving {dish} all week.", "You should make it this weekend.", None),
)
SMALL_SLOTS = {"show": p.SHOWS, "dish": p.DISHES}
# Real messages bundle a reaction, the news, and a question back: a line often starts with
# one of HEADS and ends with one of TAILS (or a small-talk opener).
HEADS = (
    "Haha.",
    "Oh wow!",
    "Aww.",
    "Honestly?",
    "Okay so,",
    "Ha, yes!",
    "Thanks!",
    "Right?",
    "Oh man.",
    "Lol.",
    "Ugh, same.",
    "Aw, thank you.",
    "Oh nice!",
    "Hmm.",
    "Omg.",
)
TAILS = (
    "How about you?",
    "What's new with you?",
    "How's your family doing?",
    "Anyway, how was your week?",
    "Tell me something good.",
    "Are you free this weekend?",
    "Did you sleep okay?",
    "How's work going?",
    "We should catch up properly soon.",
    "Miss you!",
    "I need a nap.",
    "Coffee is the only thing keeping me going.",
    "Also it's freezing today.",
)
# Tie-backs to earlier topics with no new fact (near-duplicates of evidence turns).
CALLBACKS = (
    "Remember when we talked about {topic}? I still think about that.",
    "Funny, I was just thinking about {topic} again.",
    "Still can't stop thinking about {topic}, haha.",
)
CALLBACK_TOPICS = (
    "the puppy",
    "that race",
    "my trip",
    "the garden",
    "that concert",
    "the car",
    "work stuff",
    "the book club",
    "my class",
    "the surprise party",
)


@dataclass(frozen=True)
class Changing:
    """A fact that is stated, then changes: the question about now needs the newer turn."""

    key: str
    values: tuple[str, ...]
    first: tuple[str, ...]  # {v}
    update: tuple[str, ...]  # {v} the new value, {old} the old one
    now_asks: tuple[str, ...]
    before_asks: tuple[str, ...]


CHANGING: tuple[Changing, ...] = (
    Changing(
        "job",
        p.WORKPLACES,
        ("Another early shift at {v} today, I'm wiped.", "Things at {v} are hectic lately."),
        (
            "Big news: I start at {v} next week! Handed in my notice at {old}.",
            "Last day at {old} was Friday. Now I'm at {v}!",
        ),
        ("Where does {S} work now?", "What is {S}'s current workplace?"),
        ("Where did {S} work before changing jobs?",),
    ),
    Changing(
        "home",
        p.HOME_TOWNS,
        ("It's freezing here in {v} again.", "{v} in the fall is the best, I'll never leave."),
        (
            "We finally moved! Unpacking boxes in {v} now, goodbye {old}.",
            "The movers dropped everything off in {v}. {old} feels like a lifetime ago.",
        ),
        ("Which city does {S} live in now?", "Where did {S} move to?"),
        ("Where did {S} live before the move?",),
    ),
    Changing(
        "car",
        p.CARS,
        ("My old {v} is making weird noises again.", "Drove the {v} to the coast, it survived."),
        ("Traded in the {old} for a {v}! It still smells new.",),
        ("What car does {S} drive now?", "What vehicle does {S} have at the moment?"),
        ("What car did {S} have before?",),
    ),
    Changing(
        "diet",
        ("vegetarian", "vegan", "pescatarian", "gluten-free"),
        ("I've been {v} for a year now, feeling great.", "Being {v} is easier than I expected."),
        ("Okay confession: I'm not {old} anymore, I'm {v} now.",),
        ("What diet does {S} follow now?", "How does {S} eat these days?"),
        ("What diet did {S} follow before switching?",),
    ),
)


@dataclass(frozen=True)
class LooseEnd:
    """Something said in the last session, asked about right after (a follow-up)."""

    key: str
    slots: dict[str, tuple[str, ...]]
    line: str  # said by {O} (the other speaker)
    reply: str
    asks: tuple[str, ...]
    answer: str


LOOSE_ENDS: tuple[LooseEnd, ...] = (
    LooseEnd(
        "recommend",
        {"place": ("Luna Verde", "the Copper Kettle", "Saffron House", "Pho Real", "Bistro 22")},
        "You have to try {place}, their brunch is unreal.",
        "Adding it to my list right now.",
        ("Which place did {O} just recommend?", "What restaurant was suggested a moment ago?"),
        "{place}",
    ),
    LooseEnd(
        "meetup",
        {
            "spot": ("the farmers market", "the pier", "Central Library", "the old cinema"),
            "time": ("10am", "noon", "6:30", "3pm"),
        },
        "Let's meet at {spot} on Friday, say {time}?",
        "Perfect, see you there!",
        ("Where are they meeting on Friday?", "What time did they agree to meet?"),
        "{spot}",
    ),
    LooseEnd(
        "cost",
        {"amount": ("$340", "$85", "$1,200", "$60")},
        "The vet bill came to {amount}, can you believe it?",
        "Ouch, that's a lot.",
        ("How much was the bill {O} mentioned just now?",),
        "{amount}",
    ),
)

UNRELATED = (
    "What's the capital of Mongolia?",
    "How do I reset my router to factory settings?",
    "Hi, I am Dana from QA.",
    "Can you explain how compound interest works?",
    "Write a haiku about the ocean.",
    "What is the boiling point of water at high altitude?",
    "Translate 'good morning' into Portuguese.",
    "How many ounces are in a pound?",
)

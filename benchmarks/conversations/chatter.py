"""On-topic talk around an event that does not state the fact asked about later.

Real conversations dwell on a topic for several turns and come back to it in later
sessions; those turns look like the evidence to a retriever but do not hold the answer.
`EXCHANGES[key]`: (the other speaker asks, the subject answers) pairs said right after
the event; `LATER[key]`: what the subject says about it in a later session.
"""

from __future__ import annotations

EXCHANGES: dict[str, tuple[tuple[str, str], ...]] = {
    "dog": (
        ("Is she house-trained yet?", "Getting there! Only two accidents this week."),
        ("What breed is she?", "The shelter thinks some kind of terrier mix."),
        ("Does she get along with other dogs?", "She's a bit shy at the park but warming up."),
        ("How much does she sleep?", "Like eighteen hours a day, it's adorable."),
    ),
    "cat": (
        ("How old is she now?", "Almost six, she's getting grumpy in her old age."),
        ("Does she still wake you up at 5am?", "Every single day, like clockwork."),
    ),
    "race": (
        ("Did you train for long?", "About three months, mostly early morning runs."),
        ("What was the hardest part?", "The hill near the end, it was brutal."),
        ("Was the crowd good?", "So loud! People had signs and orange slices."),
        ("Are you sore?", "I walked down the stairs backwards this morning."),
    ),
    "trip": (
        ("What was the best thing you ate?", "Some tiny street stall near the market, unreal."),
        ("Did you get to relax at all?", "Not really, we walked like 25k steps a day."),
        ("How was the weather?", "Perfect most days, one rainy afternoon."),
        ("Would you go back?", "In a heartbeat, I'm already looking at flights."),
    ),
    "class": (
        ("Are the other people nice?", "Super nice, a mix of beginners like me."),
        ("Is it expensive?", "Not bad, the first month was discounted."),
        ("What did you make or learn first?", "Mostly how not to embarrass myself."),
    ),
    "book": (
        ("What's it about?", "Hard to explain without spoilers, but it's about time and memory."),
        ("Did you read it for the book club?", "No, just for me, which felt like a treat."),
        ("Was it long?", "Long-ish, but I flew through the second half."),
    ),
    "instrument": (
        ("Are you taking lessons?", "Just videos online for now, maybe lessons later."),
        ("What song are you learning?", "A very slow version of a folk song, haha."),
    ),
    "volunteer": (
        ("What do you do there?", "A bit of everything, sorting, cleaning, greeting people."),
        ("How often do you go?", "Whenever I can, usually once or twice a month."),
    ),
    "garden": (
        ("Do you have a lot of space?", "Just a few raised beds in the backyard."),
        ("Any pests?", "Snails, always snails."),
    ),
    "car_trouble": (
        ("Did you have to call someone?", "Roadside assistance came after an hour."),
        ("Was it expensive to fix?", "Not too bad, but annoying timing."),
        ("Is the car okay now?", "Running fine again, fingers crossed."),
    ),
    "injury": (
        ("Does it hurt a lot?", "Only when I move, so, always."),
        ("Did you go to urgent care?", "Yeah, they were quick at least."),
    ),
    "party": (
        ("How did you keep it a secret?", "A group chat with forty people and zero leaks."),
        ("What food did you have?", "Way too much cake, no regrets."),
    ),
    "concert": (
        ("Where were you standing?", "Pretty close to the front, my ears are still ringing."),
        ("Did they play the old songs?", "Some of them, and a bunch from the new album."),
        ("Who did you go with?", "A couple of friends from work."),
    ),
    "cooking": (
        ("Did you follow a recipe?", "Loosely, I improvised with what was in the fridge."),
        ("Was it hard?", "The timing was tricky but the rest was easy."),
    ),
    "project": (
        ("How big is the team?", "Six people, plus a lot of stakeholders."),
        ("Is it stressful?", "A bit, but in a good way so far."),
    ),
    "exam": (
        ("How long did you study?", "Months. Every evening after work."),
        ("Was it hard?", "The second half was rough, I thought I failed."),
    ),
    "hike": (
        ("How long did it take?", "About five hours round trip with breaks."),
        ("Was it crowded?", "Not at all, we started really early."),
        ("Did you see any wildlife?", "A couple of deer and way too many mosquitoes."),
    ),
    "purchase": (
        ("Was it expensive?", "Yes, but I found a decent sale."),
        ("Have you used it yet?", "Once! It was great."),
    ),
    "allergy": (
        ("Did you have a bad reaction?", "My lips swelled up a bit, it was scary."),
        ("Do you need to carry medicine?", "Yeah, an antihistamine just in case."),
    ),
    "painting": (
        ("How long did it take?", "A few weekends, I kept redoing the sky."),
        ("Do you use acrylics?", "Watercolours mostly, they're forgiving."),
    ),
}

LATER: dict[str, tuple[str, ...]] = {
    "dog": (
        "The puppy learned to sit, I'm unreasonably proud.",
        "Took the dog to the vet for her shots, she was so brave.",
    ),
    "cat": ("The cat has claimed the new couch as her own.",),
    "race": (
        "Thinking about signing up for another race, am I crazy?",
        "My legs finally recovered from the race.",
    ),
    "trip": ("Still dreaming about that trip.", "I finally printed the photos from my trip."),
    "class": ("Class was cancelled this week, I was bummed.",),
    "book": ("I keep recommending that book to everyone.",),
    "instrument": ("Practised for an hour last night, the neighbours clapped. Sarcastically.",),
    "volunteer": ("They asked me to help organise the next volunteer day.",),
    "garden": ("The garden is taking over the whole yard.",),
    "car_trouble": ("The car is making that noise again, ugh.",),
    "injury": ("Physical therapy is going well, slowly.",),
    "party": ("Everyone is still talking about that party.",),
    "concert": ("I've had the same song stuck in my head since the concert.",),
    "cooking": ("I'm going to try cooking something new this weekend.",),
    "project": ("The project deadline moved up, of course.",),
    "exam": ("I framed the certificate, is that too much?",),
    "hike": ("I want to do another hike before the weather turns.",),
    "purchase": ("Best thing I've bought all year, honestly.",),
    "allergy": ("Eating out is so complicated now with the allergy.",),
    "painting": ("My mom hung the painting in the living room!",),
}

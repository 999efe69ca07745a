"""Events told as an answer to the other speaker's question.

In real chats the fact often comes as a short answer ("Biscuit! She already knows it.")
to a question that holds the topic ("What did you end up naming the puppy?"): the answer
shares few words with a later question about it, the question turn shares many but holds
no answer. `QA[key]`: (the other speaker asks, the subject answers with the fact) pairs;
slots as in events.py.
"""

from __future__ import annotations

QA: dict[str, tuple[tuple[str, str], ...]] = {
    "dog": (
        ("Wait, you got a dog?? What's her name?", "{dog}! She already knows it, sort of."),
        ("What did you end up naming the puppy?", "We went with {dog}. It just fit."),
    ),
    "cat": (("How's your cat doing?", "{cat} is great, fat and happy as ever."),),
    "race": (
        ("Which race did you end up doing?", "The {race}! Finished in {time}."),
        ("How did the race go?", "{time}, way better than I hoped. The {race} crowd was wild."),
    ),
    "trip": (
        ("Where did you go on vacation?", "{city}! {days} days, I flew back {ago}."),
        ("Where were you all last week?", "{city}, finally. Best trip in years."),
    ),
    "class": (("What's the new hobby?", "{cls}! Every {day} evening, wish me luck."),),
    "book": (("What are you reading these days?", "Just finished {book}, {ago}. Wow."),),
    "instrument": (("What's that music in the background?", "Me, practising the {instrument}!"),),
    "volunteer": (("Where were you on Saturday morning?", "At {charity}, volunteering again."),),
    "garden": (("What's growing in your garden this year?", "Mostly {plant}, they're thriving."),),
    "car_trouble": (("Why were you late this morning?", "Because {trouble}, {ago}. Long story."),),
    "injury": (("Why are you limping??", "I {injury} {ago}, frisbee accident."),),
    "party": (("Whose party was that in your photos?", "{person}'s! Total surprise."),),
    "concert": (("Which concert did you go to?", "{band}! {ago}, still buzzing."),),
    "cooking": (("What's for dinner tonight?", "Trying {dish} for the first time."),),
    "project": (("What are you working on at work?", "Leading {project} now, believe it or not."),),
    "exam": (("How did the exam go??", "Passed! The {exam} one. {ago} I got the results."),),
    "hike": (("Where did you hike this weekend?", "{trail}. Unreal views."),),
    "purchase": (("What's in the giant box?", "{item}! Saved up for months."),),
    "allergy": (("What did the allergist say?", "{thing}. Of all things."),),
    "painting": (("What are you painting now?", "{subject}, it's a gift for my mom."),),
}

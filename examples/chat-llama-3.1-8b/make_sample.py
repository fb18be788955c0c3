#!/usr/bin/env python3
"""Regenerate prompts.jsonl: synthetic traffic for a general-purpose chat assistant.

This is *example* traffic, written for the planner's examples. Replace prompts.jsonl with a
sample of your own users' requests (a few hundred to a few thousand, with the replies your
model actually produced) before trusting a plan: lengths drive the whole estimate.

The records are assembled, deterministically, from hand-written building blocks below: short
questions, how-to answers, code snippets with fixes and explanations, documents to summarise
or tighten, e-mail requests, and follow-up turns that turn single requests into multi-turn
conversations. All text is original. Run it from anywhere:

    python examples/chat-llama-3.1-8b/make_sample.py            # writes prompts.jsonl beside it
    python examples/chat-llama-3.1-8b/make_sample.py -n 600 --seed 7 -o /tmp/other.jsonl

Only the standard library is used.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import ClassVar

SEED = 31
N_RECORDS = 420

# ============================================================== system prompts
# About half of real requests arrive with no system prompt; the rest carry the system prompt of
# the product that sent them, from one line to a few hundred tokens. Each product sends the kinds
# of request listed with it.

GENERIC_SYSTEM = [
    "You are a helpful assistant.",
    "You are a helpful, concise assistant. Answer directly and skip unnecessary caveats.",
    ("Today's date is 12 September 2024. You are a helpful assistant. If a question depends on events after "
     "your training data, say so."),
]
CODING_SYSTEM = (
    "You are an experienced software engineer helping a colleague. Prefer idiomatic, production-quality code. "
    "When you change code, show the complete updated function and explain briefly why. Mention edge cases and "
    "tests where they matter. If the request is ambiguous, state your assumption and carry on.")
WRITING_SYSTEM = (
    "You are a writing assistant. Keep the author's voice and do not add facts that are not in the original "
    "text. Prefer plain language, active voice and short sentences.")
WORKPLACE_SYSTEM = (
    "You are Atlas, the internal assistant for employees of Northwind Logistics. Be friendly and professional. "
    "When you are unsure about a company policy, say so and suggest contacting the People team at "
    "people@northwind.example instead of guessing. Never invent internal links or document numbers. Format "
    "answers in Markdown with short paragraphs, and use bullet lists where they make things easier to scan. "
    "If a question involves customer data, remind the user that customer records may only be shared through "
    "the approved ticketing system.")
SUPPORT_SYSTEM = """You are the support copilot for Fernbank, a budgeting app for households. You help support agents write replies to customers.

Rules:
- Write in a warm, plain tone. No exclamation marks in the first sentence.
- Never promise refunds, credits or timelines; say the agent will check and follow up.
- Fernbank plans: Free (2 linked accounts), Plus ($4.99/month, unlimited accounts, shared budgets), Family ($7.99/month, up to 5 members).
- Bank connections go through our aggregator; most sync problems are fixed by reconnecting the account under Settings > Accounts > Reconnect.
- Exports are available as CSV from Settings > Data > Export. PDF reports are Plus-only.
- If a customer mentions fraud, a stolen phone or unauthorised access, tell the agent to escalate to the Trust team and stop there.
- Keep replies under 180 words unless the agent asks for more.
- Sign off as "The Fernbank team".

When the agent pastes a customer message, draft a reply the agent can send. When the agent asks a question about the product, answer it for the agent, not for the customer."""

_CODE_KINDS = ("code_fix", "code_explain", "code_tests", "code_gen", "code_long", "logs")
_WRITING_KINDS = ("summarize", "tighten", "doc_questions", "compare_docs", "email", "long_writing")
SYSTEM_FOR_KIND = {kind: [CODING_SYSTEM] for kind in _CODE_KINDS}
SYSTEM_FOR_KIND.update({kind: [WRITING_SYSTEM, WORKPLACE_SYSTEM] for kind in _WRITING_KINDS})
SYSTEM_FOR_KIND.update({"howto": [WORKPLACE_SYSTEM], "short_qa": [WORKPLACE_SYSTEM], "support": [SUPPORT_SYSTEM]})

# ============================================================== short questions
# One-line questions with short answers: the bulk of the left tail on both sides.

SHORT_QA = [
    ("What's the capital of Australia?", "Canberra."),
    ("how many ounces in a cup", "A US cup is 8 fluid ounces. (A metric cup is 250 ml, which is about 8.45 US fl oz.)"),
    ("Translate 'where is the train station?' into Spanish", "¿Dónde está la estación de tren?"),
    ("Is it 'affect' or 'effect' in: 'The new policy will ___ everyone'?",
     "**Affect.** It's the verb here: the policy will *affect* (influence) everyone. *Effect* is usually the noun, as in \"the policy had a big effect\"."),
    ("What does HTTP 429 mean?",
     "429 Too Many Requests: the server is rate-limiting you. Slow down and retry later; if the response has a `Retry-After` header, wait that long before retrying."),
    ("convert 72 fahrenheit to celsius", "72 °F is about 22.2 °C (subtract 32, then multiply by 5/9)."),
    ("Give me a synonym for 'important' that sounds less boring", "Try *crucial*, *pivotal* or *essential*. For something that shapes what comes after, *pivotal* works well."),
    ("What year did the Berlin Wall fall?", "1989. The border crossings opened on the night of 9 November 1989."),
    ("What's the difference between a list and a tuple in Python, in one sentence?",
     "A list is mutable (you can change, add or remove items) while a tuple is immutable, which also makes tuples hashable and usable as dict keys when their items are."),
    ("how do i exit vim", "Press `Esc`, then type `:q` and Enter to quit. Use `:wq` to save and quit, or `:q!` to quit without saving."),
    ("Is 221 a prime number?", "No. 221 = 13 × 17."),
    ("What is the plural of 'octopus'?", "\"Octopuses\" is the standard English plural. \"Octopi\" is common but based on a mistaken Latin ending, and \"octopodes\" is the rare Greek-style form."),
    ("What time zone is Chicago in?", "Central Time: CST (UTC−6) in winter and CDT (UTC−5) during daylight saving time."),
    ("Whats a good name for a grey cat", "A few ideas: Smoke, Pebble, Ash, Earl Grey, Misty, Slate or Nimbus."),
    ("What does 'idempotent' mean in APIs?",
     "An operation is idempotent if doing it several times has the same effect as doing it once. `PUT` and `DELETE` are meant to be idempotent; `POST` usually is not, which is why retrying a `POST` can create duplicates unless you use an idempotency key."),
    ("git command to undo the last commit but keep the changes",
     "`git reset --soft HEAD~1` undoes the commit and leaves the changes staged. Use `git reset HEAD~1` (mixed) if you want them unstaged instead."),
    ("How many tablespoons are in a quarter cup?", "4 tablespoons."),
    ("What's the SI unit of electrical resistance?", "The ohm (Ω)."),
    ("Rewrite this to sound more polite: 'Send me the report by Friday.'",
     "\"Could you please send me the report by Friday? Thanks a lot.\""),
    ("Is it safe to put a cast iron pan in the dishwasher?",
     "No. The dishwasher strips the seasoning and the pan will rust. Wash it by hand with hot water (a little soap is fine), dry it straight away and wipe on a thin layer of oil."),
    ("what's the keyboard shortcut to reopen a closed tab in chrome",
     "`Ctrl+Shift+T` on Windows/Linux, `Cmd+Shift+T` on a Mac. Press it repeatedly to reopen tabs in the order you closed them."),
    ("Who wrote 'Pride and Prejudice'?", "Jane Austen, published in 1813."),
    ("Define 'opportunity cost' in one sentence.",
     "Opportunity cost is the value of the best alternative you give up when you make a choice."),
    ("How long should I boil an egg for a runny yolk?",
     "About 6 minutes for a large egg lowered into already boiling water, then straight into cold water for a minute. Go to 7 minutes for a jammy yolk."),
    ("regex to match a US zip code",
     "`^\\d{5}(-\\d{4})?$` matches 5-digit ZIP codes with an optional ZIP+4 suffix, such as `90210` or `90210-1234`."),
    ("What is 15% of 240?", "36."),
    ("Which is bigger, a kilobyte or a kibibyte?",
     "A kibibyte (KiB) is 1,024 bytes, a kilobyte (kB) is 1,000 bytes, so the kibibyte is slightly bigger."),
    ("Spell check: 'definately', 'seperate', 'accomodate'", "definitely, separate, accommodate."),
    ("What does 'RSVP' stand for?", "*Répondez s'il vous plaît*, French for \"please reply\"."),
    ("What's the default port for PostgreSQL?", "5432."),
    ("can dogs eat grapes", "No. Grapes and raisins can cause kidney failure in dogs, even in small amounts. If your dog has eaten some, call your vet or an animal poison line right away."),
    ("Give me a one-line bash command to count lines in all .py files in a folder",
     "`find . -name '*.py' -print0 | xargs -0 wc -l | tail -n 1` prints the total; drop `| tail -n 1` to see each file."),
    ("What's the difference between 'i.e.' and 'e.g.'?",
     "*i.e.* means \"that is\" and introduces a restatement; *e.g.* means \"for example\" and introduces one or more examples."),
    ("Convert 5 km to miles", "5 km is about 3.11 miles."),
    ("What's a good title for a slide about our Q3 churn numbers?",
     "\"Q3 Churn: Where We Lost Customers and Why\" works if you explain causes; \"Q3 Churn at a Glance\" if it's just the numbers."),
    ("is 'data' singular or plural",
     "Both are accepted. In everyday and business writing \"the data is\" is standard; in scientific writing \"the data are\" is still common. Pick one and stay consistent."),
    ("What's the boiling point of water at the top of Everest?",
     "Roughly 70 °C (about 160 °F), because the air pressure there is only about a third of sea-level pressure."),
    ("Suggest 3 names for a Slack channel about the office move",
     "#office-move, #new-office-2025, #moving-day"),
    ("How do I say thank you in Japanese?", "*Arigatou* (ありがとう), or more politely *arigatou gozaimasu* (ありがとうございます)."),
    ("What's the time complexity of binary search?", "O(log n) comparisons on a sorted array of n items."),
    ("Is Pluto a planet?", "Since 2006 the International Astronomical Union classifies Pluto as a dwarf planet, not a planet, because it has not cleared its orbit of other objects."),
    ("Shortest way to reverse a string in JavaScript?",
     "`[...str].reverse().join('')`. The spread handles most Unicode characters better than `str.split('')`."),
    ("What's the difference between RAM and storage? keep it short",
     "RAM is fast, temporary memory the computer uses for whatever is running right now and it is wiped when you power off; storage (SSD or hard drive) is slower but keeps your files permanently."),
    ("how many days until christmas if today is november 3",
     "52 days (27 left in November plus 25 in December)."),
    ("Fix the grammar: 'Me and him goes to the gym every mornings.'", "\"He and I go to the gym every morning.\""),
    ("What is the chemical symbol for gold?", "Au, from the Latin *aurum*."),
    ("What's an ETA?", "Estimated time of arrival: when someone or something is expected to arrive or be finished."),
    ("Can I freeze cooked rice?", "Yes. Cool it quickly (within an hour), freeze it in flat portions and use it within a month. Reheat until piping hot all the way through."),
    ("Write a haiku about Monday mornings",
     "Alarm sings too soon\ncoffee steams beside the inbox\nthe week clears its throat"),
    ("What does `chmod 755` do?",
     "It sets the owner's permissions to read, write and execute (7) and everyone else's to read and execute (5). It's the usual mode for scripts and directories."),
    ("Is 0.1 + 0.2 == 0.3 true in Python?",
     "No, it's `False`: `0.1 + 0.2` is `0.30000000000000004` because of binary floating point. Compare with `math.isclose(0.1 + 0.2, 0.3)` instead."),
    ("quick: what's the past tense of 'lead'?", "\"Led\"."),
    ("What's the shortcut for a screenshot of part of the screen on a Mac?", "`Cmd+Shift+4`, then drag to select the area. Add `Space` after the shortcut to capture a single window."),
    ("Name the three primary colours of light", "Red, green and blue."),
]

SHORT_QA_OPENERS = ["", "", "", "", "Quick question: ", "hey, ", "Sorry if this is basic, but ", "One more: "]

# ============================================================== how-to and explanation questions
# (phrasings, answer). Answers run from a paragraph to a long step-by-step guide.

HOWTO = [
    (["How do I set up SSH keys for GitHub on a Mac?", "whats the easiest way to set up ssh keys for github (mac)"],
     """Here's the quickest way on macOS:

1. **Generate a key** (use your GitHub email):
   ```bash
   ssh-keygen -t ed25519 -C "you@example.com"
   ```
   Press Enter to accept the default location (`~/.ssh/id_ed25519`) and choose a passphrase.

2. **Add it to the agent and the keychain:**
   ```bash
   eval "$(ssh-agent -s)"
   ssh-add --apple-use-keychain ~/.ssh/id_ed25519
   ```
   Then create or edit `~/.ssh/config` so the key is loaded automatically:
   ```
   Host github.com
     AddKeysToAgent yes
     UseKeychain yes
     IdentityFile ~/.ssh/id_ed25519
   ```

3. **Copy the public key** with `pbcopy < ~/.ssh/id_ed25519.pub`.

4. **Add it on GitHub:** Settings → SSH and GPG keys → New SSH key, paste it and save.

5. **Test it:**
   ```bash
   ssh -T git@github.com
   ```
   You should see "Hi *username*! You've successfully authenticated".

If your existing clones use HTTPS, switch them with `git remote set-url origin git@github.com:USER/REPO.git`."""),

    (["How do I make a good sourdough starter from scratch?", "I want to start baking sourdough. How do I make a starter?"],
     """A starter is just flour and water that you feed until wild yeast and bacteria take over. It takes about 7 to 10 days.

**What you need:** whole wheat or rye flour for the first days (it ferments faster), then plain bread flour; water; a jar; a kitchen scale.

**Day 1:** Mix 50 g whole wheat flour with 50 g lukewarm water. Cover loosely and leave at room temperature, ideally 24–26 °C.

**Day 2:** You may see a few bubbles, or nothing. Feed it anyway: discard all but 50 g, then add 50 g flour and 50 g water.

**Days 3–4:** It often gets very bubbly and smells odd (like cheese or nail polish). That early activity is mostly bacteria, not yeast, and it usually dies down. Keep feeding once a day.

**Days 5–10:** Switch to feeding twice a day with bread flour. You're waiting until the starter reliably **doubles within 4–8 hours** of a feed and smells pleasantly sour and yeasty.

**Troubleshooting:**
- *No activity after day 5:* move it somewhere warmer and use some rye flour.
- *Liquid on top ("hooch"):* it's hungry. Pour it off or stir it in and feed it.
- *Pink or orange streaks or fuzzy mould:* throw it out and start again.

Once it's strong you can keep it in the fridge and feed it once a week. Take it out and give it one or two feeds before you bake."""),

    (["What's the best way to learn touch typing as an adult?"],
     """Speed follows accuracy, so the main thing is not to look at the keyboard, even when that makes you slow at first.

- **Use a structured course for 15–20 minutes a day.** Free sites like Keybr or TypingClub teach a few keys at a time. Short daily sessions beat a long one at the weekend.
- **Put your fingers on the home row** (ASDF / JKL;) and come back to it after every stretch. The bumps on F and J are there so you can find it without looking.
- **Aim for 95%+ accuracy** before you push for speed. If you keep making mistakes, slow down.
- **Cover your hands** with a tea towel if you can't resist peeking.
- **Use it for real work** after a week or two, even though it feels slow. That is where most of the practice happens.

Most adults get back to their old hunt-and-peck speed in 2 to 4 weeks and pass it soon after. Typing 60+ words per minute is realistic within a few months."""),

    (["How do I remove a stripped screw?", "screw head is stripped, how do i get it out??"],
     """Try these in order, from least to most destructive:

1. **Rubber band trick:** press a wide rubber band flat between the screwdriver and the screw head, push down hard and turn slowly. It fills the stripped grooves and often gives just enough grip.
2. **Bigger or different bit:** a slightly larger Phillips, or a flat-head wedged firmly into the slot, can bite where the old one slipped.
3. **Tap in a Torx bit:** gently hammer a Torx bit that is slightly larger than the hole into the head, then unscrew.
4. **Screw extractor:** these cheap bits drill in counter-clockwise and grip as they go. Drill a small pilot hole first, then use the extractor at low speed in reverse.
5. **Pliers:** if the head sticks up, grab it with locking pliers and turn.
6. **Cut a new slot:** use a rotary tool with a cutting disc to cut a straight slot across the head and use a flat-head screwdriver.

To avoid it next time, use the right size bit, push firmly and keep the drill on a low speed with the clutch set."""),

    (["Explain how a mortgage offset account works", "how does an offset account on a mortgage actually save money?"],
     """An offset account is an ordinary transaction or savings account linked to your home loan. The balance in it is subtracted from your loan balance **before interest is calculated**.

**Example:** you owe $400,000 and keep $30,000 in the offset account. The bank charges interest as if you owed $370,000. At 6% that saves about $1,800 a year.

A few points that matter:

- **Your repayments usually stay the same.** Because less of each repayment goes on interest, more goes on principal, so the loan is paid off sooner.
- **The money stays accessible.** Unlike making extra repayments, you can spend it at any time. You just lose the interest saving on whatever you take out.
- **It's often better than a savings account.** You save interest at your mortgage rate, and in many countries that saving isn't taxed the way interest earned would be.
- **Check the cost.** Offset loans sometimes carry a slightly higher rate or a package fee. If you only keep a few thousand in the account, the fee can cost more than you save.
- **Full vs partial offset:** most are 100% offset, but some only offset part of the balance. Read the product sheet.

It works best if you have a steady savings balance or run your salary through it and pay expenses on a credit card you clear every month."""),

    (["What's the difference between a Roth IRA and a traditional IRA?"],
     """The main difference is **when you pay tax**.

| | Traditional IRA | Roth IRA |
|---|---|---|
| Contributions | Often tax-deductible now | Made with after-tax money |
| Growth | Tax-deferred | Tax-free |
| Withdrawals in retirement | Taxed as income | Tax-free (if the rules are met) |
| Required minimum distributions | Yes, from age 73 | None for the original owner |
| Income limits | None to contribute (deduction may be limited) | Yes, contributions phase out at higher incomes |

**Rule of thumb:** if you expect your tax rate to be higher in retirement than now, the Roth usually wins. If you're in a high bracket now and expect a lower one later, the traditional IRA's upfront deduction is worth more.

Other practical points:
- Roth **contributions** (not earnings) can be withdrawn at any time without tax or penalty, which makes it more flexible.
- Many people split contributions between both to hedge against future tax changes.
- The annual contribution limit is shared between the two types.

This is general information; limits change every year, so check the current IRS figures or talk to a tax adviser for your situation."""),

    (["How do I get better at public speaking? I have a presentation at work in 2 weeks and I'm dreading it"],
     """Two weeks is enough time to make a real difference. Here's a plan:

**This week: get the content right**
- Write down the one thing you want people to remember. Build the talk around it.
- Keep the structure simple: the problem, what you found or propose, what you need from them.
- Cut slides down so each one makes a single point. If you need notes, put them in the speaker notes, not on the slide.

**Next week: rehearse out loud**
- Practise standing up, out loud, at full volume at least five times. Running through it in your head doesn't count.
- Record yourself once on your phone. It's uncomfortable, but you'll spot filler words and rushed sections immediately.
- Do one run-through in front of a friend or colleague and ask them what they remember.
- Learn your first two minutes almost word for word. Nerves are worst at the start, and a confident opening carries you.

**On the day**
- Arrive early and check the screen, clicker and audio.
- Before you start, breathe out slowly for longer than you breathe in. It calms your heart rate.
- Speak slower than feels natural and pause after key points. Pauses feel long to you and normal to the audience.
- If you lose your place, look at your slide, take a breath and carry on. Nobody knows your script.

Being nervous is normal and mostly invisible to the audience. Preparation won't make the nerves go away, but it stops them from getting in your way."""),

    (["how do i clean a very dirty oven without harsh chemicals"],
     """Baking soda and vinegar do a good job; they just need time.

1. **Empty the oven.** Take out the racks and soak them in a bath or sink of hot water with a little dish soap.
2. **Make a paste** of about half a cup of baking soda and a few tablespoons of water, thick enough to spread.
3. **Coat the inside** (avoid the heating elements), going thicker on greasy or burnt spots. It will turn brownish. That's fine.
4. **Leave it overnight**, or at least 12 hours.
5. **Wipe it out** with a damp cloth. Use a plastic scraper or spatula on stubborn bits.
6. **Spray white vinegar** on any remaining baking soda. It will foam; wipe again until the residue is gone.
7. **Scrub the racks** with a brush, rinse and dry.
8. **The glass door:** the same paste works. Leave it for 20 minutes, then wipe it off.

To keep it clean, put a baking tray on the lowest rack when roasting and wipe up spills once the oven has cooled."""),

    (["What's the difference between weather and climate?"],
     "Weather is what the atmosphere is doing at a particular place and time: today's rain, tomorrow's heatwave. Climate is the long-term pattern of that weather, usually averaged over 30 years or more: how warm, wet or windy a place tends to be. A handy line is \"climate is what you expect, weather is what you get\". One cold week says nothing about climate; a trend in temperatures over decades does."),

    (["How should I prepare for a system design interview?", "any tips for system design interviews? senior backend role"],
     """System design interviews test how you reason about trade-offs, not whether you know one right answer. A plan for a senior backend role:

**1. Learn a repeatable structure (use it in every practice run)**
1. *Clarify requirements* (5 min): functional requirements, expected scale (users, requests per second, data size), latency and consistency needs.
2. *Estimate* (2–3 min): back-of-the-envelope QPS, storage and bandwidth. It shapes every later choice.
3. *High-level design*: clients, API, services, data stores, queues. Draw it.
4. *Deep dive* into the two or three hardest parts. The interviewer will usually steer you.
5. *Bottlenecks and failure modes*: what breaks at 10x, single points of failure, how you'd monitor it.

**2. Know the building blocks well enough to justify them**
- Load balancing, caching (where and how entries expire), CDNs
- SQL vs NoSQL, indexes, replication, sharding and the hot-key problem
- Message queues and stream processing, idempotency, retries, exactly-once myths
- Consistency models, CAP in practice, leader election at a conceptual level
- Rate limiting, pagination, search indexes, blob storage

**3. Practise the classics out loud**
URL shortener, chat or messaging, news feed, rate limiter, file storage or sync, notification system, ride matching, metrics or logging pipeline. Time-box each to 45 minutes and talk through it as if someone were listening.

**4. Show seniority**
- State trade-offs explicitly ("this gives up strict consistency on the counter in exchange for write throughput").
- Bring in operational concerns: deploys, migrations, observability, cost.
- Push back on requirements when they're unrealistic, and say what you'd build first.

**5. Do mock interviews**
Two or three mocks with a peer are worth more than another week of reading. Ask for blunt feedback on structure and communication.

Good resources: *Designing Data-Intensive Applications* for the fundamentals, and the engineering blogs of companies whose systems resemble the role."""),

    (["Can you explain what a VPN actually does? In plain English"],
     """A VPN makes an encrypted tunnel between your device and a server run by the VPN provider. All your internet traffic goes through that tunnel before it goes out to the wider internet.

What that means in practice:

- **Your local network can't see what you're doing.** On café or hotel Wi-Fi, anyone snooping on the network (or the network owner) only sees scrambled traffic going to the VPN server.
- **Your internet provider sees less.** They can tell you're using a VPN but not which sites you visit.
- **Websites see the VPN's address, not yours.** That's why a VPN can make you appear to be in another country.

What it **doesn't** do:
- It doesn't make you anonymous. If you log in to Google or Facebook, they still know it's you, and cookies still track you.
- It doesn't protect you from malware or phishing.
- You're shifting trust from your internet provider to the VPN company, which can see your traffic's destinations, so pick one with a good reputation.

At work, a VPN does a slightly different job: it connects your laptop to the company's private network so you can reach internal systems as if you were in the office."""),

    (["How long should I let a steak rest after cooking?", "do you really need to rest steak"],
     "Rest it for about 5 minutes for a thin steak and up to 10 for a thick one (roughly half the cooking time is a decent rule). Resting lets the temperature even out so the centre finishes cooking and less juice ends up on the board when you cut it. Leave it uncovered or loosely tented with foil; wrapping it tightly steams the crust."),

    (["I keep procrastinating on a big project at work. Any practical tips?"],
     """This is very common with big, vague projects. Procrastination is usually about the task feeling unclear or uncomfortable, not about laziness. Some things that help:

1. **Shrink the first step until it's almost silly.** Not "write the proposal" but "open a doc and write three bullet points about the problem". Starting is the hardest part.
2. **Define "done" for today.** End each day by writing the very next action for tomorrow, so you never start cold.
3. **Time-box it.** Set a 25-minute timer and commit to working only until it goes off. You can stop after, but usually you won't want to.
4. **Remove the easy escapes.** Close chat and email during that block, and put your phone in another room.
5. **Make it visible.** Tell your manager or a colleague what you'll have by Friday. A small bit of accountability works surprisingly well.
6. **Split the project into milestones** with dates, even if nobody asked you to. Large deadlines far away don't feel real; small ones next week do.
7. **Notice what you're avoiding.** If it's one particular part, like a hard conversation or a bit you don't know how to do, tackle that first or ask for help with it.

If procrastination is affecting everything and has lasted a long time, it's worth talking to a doctor or therapist, since it can be linked to things like ADHD, anxiety or burnout."""),

    (["What's a good beginner workout routine at the gym? 3 days a week", "beginner gym plan 3x a week please"],
     """A full-body routine three times a week (say Monday, Wednesday, Friday) is ideal when you're starting out.

**Each session** (about 45–60 minutes):

| Exercise | Sets × reps |
|---|---|
| Goblet squat or barbell squat | 3 × 8–10 |
| Dumbbell bench press or push-ups | 3 × 8–12 |
| Lat pulldown or assisted pull-up | 3 × 8–12 |
| Romanian deadlift (dumbbells) | 3 × 10 |
| Seated cable row | 3 × 10–12 |
| Plank | 3 × 30–45 seconds |

**How to progress**
- Pick a weight you could lift 2–3 more times at the end of each set.
- When you hit the top of the rep range on all sets, add a little weight next time (2.5–5 kg on lower body, 1–2.5 kg on upper body).
- Rest 1.5–2 minutes between sets.

**Tips**
- Warm up for 5–10 minutes (bike or brisk walk plus a light set of the first exercise).
- Learn the form with light weights; ask a trainer to check your squat and deadlift if you can.
- Write down what you lift so you know what to beat next time.
- Sleep and protein matter as much as the training itself.

After 3–4 months of steady progress you can move to an upper/lower split four days a week."""),

    (["how do i know if my houseplant needs water"],
     "Push a finger about 2–3 cm into the soil. If it's dry at that depth, water; if it's still damp, wait a few days. Lifting the pot also helps: a dry pot is noticeably lighter. Drooping leaves can mean either too little or too much water, so check the soil before you pour. Most houseplants die from overwatering, so when in doubt, wait."),

    (["Explain the difference between TCP and UDP", "tcp vs udp, when would i use each"],
     """Both are transport protocols that sit on top of IP, but they make different promises.

**TCP (Transmission Control Protocol)**
- Connection-based: a handshake sets up the connection before data flows.
- Reliable: lost packets are retransmitted, and data arrives in order.
- Flow and congestion control slow the sender down when the network or the receiver can't keep up.
- Cost: extra round trips and head-of-line blocking (one lost packet delays everything behind it).
- Used for web pages (HTTP/1.1 and HTTP/2), email, file transfer, SSH, databases.

**UDP (User Datagram Protocol)**
- Connectionless: you just send datagrams.
- No guarantees: packets can be lost, duplicated or arrive out of order.
- Very low overhead and latency.
- Used for DNS lookups, video calls, online games, live streaming, and as the base for QUIC (HTTP/3), which rebuilds reliability on top of it in user space.

**When to choose which:** if every byte has to arrive and order matters, use TCP. If fresh data is worth more than complete data (a late voice packet is useless), or you want to design your own reliability, UDP is the better fit."""),

    (["How do I write a good cover letter?"],
     """A good cover letter is short (under a page), specific to the job, and answers one question: *why you, for this role?*

**Structure**
1. **Opening (2–3 sentences):** name the role and give a hook, such as a relevant achievement or a genuine reason you want to work there. Skip "I am writing to apply for…".
2. **Middle (1–2 paragraphs):** pick two or three requirements from the job ad and show, with concrete examples and numbers, that you've done them. "I cut onboarding time from 3 weeks to 9 days by rewriting our setup guides" is better than "I am a strong communicator".
3. **Why them (2–3 sentences):** something specific about the company, product or team that connects to your experience.
4. **Close:** a confident line about discussing it further, and thanks.

**Tips**
- Mirror the language of the job ad where it's honest to do so; some companies screen for keywords.
- Don't repeat your CV; pick the stories that matter most for this role and expand on them.
- Address a person by name if you can find one.
- Read it out loud before sending. Cut every sentence that would fit any job.

If you share the job ad and your CV, I can help you draft one."""),

    (["What is compound interest? explain with an example"],
     """Compound interest means you earn interest on your interest, not just on the money you put in.

**Example:** you invest $1,000 at 5% a year.
- After year 1: $1,000 × 1.05 = **$1,050**
- After year 2: $1,050 × 1.05 = **$1,102.50** (the extra $2.50 is interest on last year's interest)
- After year 10: $1,000 × 1.05¹⁰ ≈ **$1,628.89**
- After year 30: ≈ **$4,321.94**

With *simple* interest (only on the original $1,000) you'd have $1,500 after 10 years and $2,500 after 30. The gap grows over time, which is why starting early matters so much.

The general formula is **A = P × (1 + r/n)^(n·t)**, where P is the starting amount, r the annual rate, n how many times a year interest is added and t the number of years.

It works against you too: credit card debt compounds the same way, which is why balances can snowball."""),

    (["Tips for sleeping better? I wake up at 3am most nights", "i keep waking up at 3am and cant get back to sleep, what can i do"],
     """Waking in the middle of the night is very common, and a few habits often help:

**During the day**
- Get outside light in the morning, ideally within an hour of waking. It anchors your body clock.
- Keep caffeine to before noon; its effects last longer than most people think.
- Go easy on alcohol in the evening. It helps you fall asleep but causes exactly this kind of early waking as it wears off.
- Exercise regularly, but not hard exercise right before bed.

**Around bedtime**
- Keep a consistent wake-up time, even at weekends. That matters more than the bedtime.
- Keep the bedroom cool, dark and quiet.
- Give yourself a wind-down hour without work email or news.

**When you wake at 3am**
- Don't check the time or your phone. The light and the mental arithmetic ("only three hours left") wake you up more.
- If you're still awake after about 20 minutes, get up, go somewhere dim and do something boring (read a paper book) until you feel sleepy, then go back.
- If worries are keeping you awake, keep a notepad by the bed and write them down to deal with tomorrow.

If this has gone on for more than a few weeks, or you snore heavily or feel exhausted in the day, see a doctor. Sleep apnoea, anxiety, hormone changes and some medications can all cause it, and CBT for insomnia is very effective."""),

    (["How do I negotiate a higher salary for a job offer?"],
     """Negotiating is expected, and a polite, well-prepared ask rarely costs you an offer.

1. **Know your number.** Check salary data for the role, level and location (levels.fyi, Glassdoor, industry surveys, friends in similar roles). Decide your target and your walk-away point.
2. **Let them make the first offer** if you can. If pushed for expectations early, give a researched range whose bottom is what you'd be happy with.
3. **Respond with enthusiasm first:** "Thanks, I'm really excited about the role and the team."
4. **Then ask, with a reason:** "Based on my experience leading X and the market rate for this level, I was hoping for something closer to $Y. Is there flexibility there?"
5. **Stop talking.** Let them respond; silence is fine.
6. **Negotiate the whole package** if base salary is fixed: signing bonus, equity, start date, extra leave, remote work, learning budget, title.
7. **Get the final offer in writing** before you resign anywhere.

Things to avoid: lying about competing offers, ultimatums you won't follow through on, or apologising for asking. A single reasoned counter-offer is normal; more than two rounds starts to strain things."""),

    (["What's the difference between baking soda and baking powder?"],
     "Baking soda is pure sodium bicarbonate. It needs an acid in the recipe (buttermilk, yoghurt, lemon juice, brown sugar, cocoa) to react and make the bubbles that lift the batter. Baking powder is baking soda with the acid already mixed in (plus some starch), so it only needs liquid and heat. That's why recipes without an acidic ingredient use baking powder. You can swap soda for powder at about 1 teaspoon of baking powder for every ¼ teaspoon of soda, but the flavour and browning will change a little."),

    (["How do I start investing with a small amount of money, like $100 a month?"],
     """$100 a month is a great start, and the habit matters more than the amount.

**Before you invest**
- Pay off high-interest debt (credit cards) first. Nothing you invest in reliably beats 20%+ interest.
- Keep a small emergency fund, even one month of expenses, so you won't have to sell investments in a pinch.

**Where to put it**
- **Use a tax-advantaged account if you have one**: a workplace plan with an employer match (free money), or an IRA/ISA/equivalent in your country.
- **Buy a low-cost, broad index fund or ETF**, for example one that tracks a total world or total market index. It spreads your money over thousands of companies for a fee of around 0.1% or less a year.
- **Pick a platform with no or low fees** on small monthly purchases; some charge a fixed fee per trade, which hurts at $100.

**How to do it**
- Set up an automatic monthly investment on payday so you never have to decide each month.
- Ignore the daily news. Prices will fall sometimes; that just means your $100 buys more that month.
- Increase the amount whenever you get a raise.

Over 30 years, $100 a month at a 7% average annual return would grow to roughly $120,000, of which only $36,000 is what you put in. This isn't personalised financial advice; if your situation is complicated, a fee-only adviser can help."""),

    (["What should I check before buying a used car?"],
     """A checklist you can take with you:

**Before viewing**
- Run the registration or VIN through a history check (accidents, finance owed, theft, mileage records).
- Look up common faults for that model and year.

**Outside and underneath**
- Panel gaps and paint that doesn't match (signs of accident repair).
- Rust on the sills, wheel arches and under the doors.
- Tyres: even wear and matching brands. Uneven wear can mean alignment or suspension problems.
- Look underneath for oil or coolant leaks.

**Under the bonnet (with the engine cold)**
- Oil level and colour; a milky residue under the filler cap can mean head gasket trouble.
- Coolant level, belts, and any obvious fresh repairs.

**Inside**
- Does wear on the seat, steering wheel and pedals match the mileage?
- Test every electric: windows, air conditioning, lights, infotainment.
- Warning lights should come on at ignition and then go off.

**Test drive (at least 20 minutes, including a fast road)**
- Cold start: listen for rattles or smoke.
- Clutch biting point, smooth gear changes (or smooth automatic shifts).
- Brakes pull straight without vibration; steering doesn't pull.
- No knocks over bumps.

**Paperwork**
- Service history with receipts, matching the mileage.
- Make sure the seller's name and address match the registration documents.

If you're not confident, pay for an independent inspection. It's cheap compared with buying a problem."""),

    (["How does a heat pump work?"],
     "A heat pump moves heat instead of making it. It uses a refrigerant that is pumped around a loop: outside, the refrigerant is colder than the outdoor air, so it absorbs heat even on a cold day and evaporates. A compressor squeezes that gas, which makes it much hotter, and indoors it releases the heat into your home or hot water as it condenses back to a liquid. An expansion valve then drops its pressure and temperature and the cycle repeats. Because it moves heat rather than generating it, a heat pump typically delivers 3 to 4 units of heat for every unit of electricity it uses. Run in reverse, the same machine works as an air conditioner."),

    (["How do I deal with a coworker who keeps taking credit for my work?"],
     """That's frustrating, and it's worth handling before it affects how your work is seen.

1. **Make your work visible as you go.** Send short written updates to your manager on what you've done, share work in team channels rather than only privately, and put your name on documents and slides.
2. **Claim it calmly in the moment.** In a meeting: "Thanks for mentioning that. When I built that analysis, I also found…" It's factual and not accusatory.
3. **Talk to the coworker directly.** Assume it might be careless rather than deliberate: "In the update to Sam, the migration plan came across as yours. I'd like us to be clear about who did what going forward." Often that's enough.
4. **Agree on ownership up front** for shared projects: who presents what, and whose name goes on which part.
5. **Raise it with your manager** if it continues. Focus on the facts and the effect ("I want to make sure my contributions are visible for my review") rather than on the other person's character, and bring examples.

Keep a private log of what you did and when. It helps in that conversation and at review time."""),

    (["What is inflation and why does it happen?"],
     """Inflation is the general rise in prices over time, which means each unit of money buys a little less. It's usually measured as the percentage change in the price of a typical basket of goods and services over a year.

The main causes:

- **Demand-pull:** people and businesses want to buy more than the economy can produce, so sellers raise prices. This often follows low interest rates, government stimulus or strong wage growth.
- **Cost-push:** it becomes more expensive to produce things (energy prices spike, supply chains break down, wages rise faster than productivity), and businesses pass those costs on.
- **Expectations:** if everyone expects prices to rise, workers ask for higher wages and firms raise prices in advance, which makes the expectation come true.
- **Money supply:** over long periods, if the amount of money grows much faster than the economy's output, prices rise.

Central banks usually aim for low, stable inflation, around 2%, because a little inflation encourages spending and investment, while high or unpredictable inflation erodes savings and makes planning hard. Their main tool is the interest rate: raising rates makes borrowing more expensive, cools demand and brings inflation down over time."""),

    (["How do I get rid of fruit flies in my kitchen?", "fruit flies everywhere help"],
     """1. **Find and remove the source.** Check the fruit bowl, onions and potatoes, the bin, recycling (especially wine or juice bottles), and the sink drain. Throw out anything overripe.
2. **Make a trap:** a small jar with a splash of apple cider vinegar and a drop of dish soap. Cover it with cling film, poke a few small holes, and leave it near where they gather. The soap breaks the surface tension so they sink.
3. **Clean the drain:** pour boiling water down it, or baking soda followed by vinegar, then hot water.
4. **Keep fruit in the fridge** for a week or so and take the bin out daily.

Their life cycle is only about a week, so if you remove what they're breeding in, they'll be gone in a few days."""),

    (["Explain Docker containers vs virtual machines"],
     """Both let you run software in an isolated environment, but they isolate at different levels.

**Virtual machines**
- A hypervisor emulates a whole computer, and each VM runs its own complete operating system (kernel included).
- Strong isolation, can run a different OS than the host (Windows on Linux).
- Heavy: gigabytes of disk, slower to boot (tens of seconds), more memory per instance.

**Containers**
- Share the host's kernel. The container only packages the application and its libraries.
- Isolation comes from kernel features (namespaces for what a process can see, cgroups for what it can use).
- Lightweight: megabytes, start in under a second, so you can run many more on one machine.
- Can't run a different kernel; Linux containers need a Linux kernel (Docker Desktop on a Mac runs a small Linux VM behind the scenes).

**In practice:** containers are great for packaging and deploying applications consistently (*works on my machine* becomes *works everywhere*) and for microservices. VMs are better when you need strong security boundaries between tenants or a different operating system. In the cloud you often get both: containers running inside VMs."""),

    (["How do I write a README for my open source project?"],
     """A good README answers, in order, the questions a new visitor has:

1. **Name and one-line description.** What is this, in a sentence?
2. **Why it exists.** The problem it solves and who it's for; a screenshot or GIF if it's visual.
3. **Quick start.** Install and a minimal working example they can copy and paste in under a minute:
   ```bash
   pip install yourproject
   yourproject --help
   ```
4. **Usage.** The main features with short examples. Link to full docs if you have them.
5. **Configuration.** Options, environment variables, config file format.
6. **Contributing.** How to set up a dev environment, run tests, and submit a PR (or a link to CONTRIBUTING.md).
7. **License.**

Tips: keep the top of the README scannable (badges are fine, but don't let them push the description off screen), make sure every example actually runs, and update it whenever the install steps change."""),

    (["How do I politely decline a meeting that I don't think I need to attend?"],
     """Decline with a short reason and offer an alternative so it doesn't come across as dismissive. For example:

> Hi Priya, thanks for including me. I don't think I'll add much to this one since it's mostly about the vendor contract, and I'm trying to protect some focus time this week. Could you share the notes or decisions afterwards? If something comes up that needs my input, I'm happy to jump in or answer async.

A few things that help:
- Decline early, not five minutes before.
- If you're unsure why you were invited, ask: "Is there something specific you need from me?"
- For recurring meetings, suggest attending every other one or receiving a summary instead."""),

    (["What are some good ways to memorise vocabulary in a new language?"],
     """- **Spaced repetition:** use an app like Anki with your own cards. Reviewing a word just as you're about to forget it is the most efficient method there is.
- **Learn words in context,** not alone: put a whole example sentence on the card.
- **Learn the most common words first.** The top 1,000 or so words cover most everyday conversation.
- **Say them out loud** and, if you can, use them in a sentence the same day.
- **Group by theme** (food, travel, work) so the words reinforce each other.
- **Use mnemonics** for stubborn words: link the sound to a vivid image in your own language.
- **Read and listen to things you enjoy** (graded readers, podcasts, series with subtitles in the target language). That's where words stop being flashcards and start being language.

Fifteen minutes every day will beat two hours once a week."""),

    (["What causes the seasons?"],
     "The seasons are caused by the tilt of Earth's axis, about 23.4°, not by how close we are to the Sun (Earth is actually closest in early January). As Earth orbits, the half tilted towards the Sun gets more direct sunlight and longer days, so it's summer there, while the other half gets low-angle sunlight and short days, so it's winter. Six months later the situation is reversed, which is why the Northern and Southern Hemispheres have opposite seasons."),

    (["How can I make my laptop battery last longer?"],
     """**Day to day**
- Lower screen brightness; the display is usually the biggest drain.
- Use the battery-saver or "best battery life" power mode.
- Close browser tabs and apps you aren't using, especially video calls and anything syncing in the background.
- Turn off keyboard backlighting, Bluetooth and location services when you don't need them.
- Check which apps use the most energy (Activity Monitor on a Mac, Task Manager on Windows).

**For the battery's long-term health**
- Avoid heat: don't leave it in a hot car or use it on a pillow that blocks the vents.
- If you're mostly plugged in, turn on the "optimised charging" or "charge limit to 80%" setting if your laptop has one.
- Keeping it between roughly 20% and 80% most of the time slows wear; occasional full charges are fine.

If the battery has lost a lot of capacity (check the cycle count and health in system settings), replacing it is often cheaper than people expect."""),

    (["how do i make cold brew coffee at home"],
     "Mix coarsely ground coffee with cold water at about 1:8 by weight (for example 100 g coffee to 800 ml water) in a jar, stir so all the grounds are wet, and leave it in the fridge for 12 to 18 hours. Strain it through a fine sieve lined with a paper filter or cloth. The result is a concentrate: dilute it roughly 1:1 with water or milk and serve over ice. It keeps for about a week in the fridge. A medium or dark roast gives the classic smooth, chocolatey taste."),
]

HOWTO_PREFIXES = ["", "", "", "", "", "Hi! ", "Hello, ", "ok so ", "I've been wondering: ", "Asking for a friend. "]

# ============================================================== code snippets
# Each snippet has the code a user pastes, the symptom they report, an answer that fixes it,
# and an answer that explains the code. Some also have tests.

CODE = [
    {"lang": "python", "name": "average of grades",
         "code": r'''def average(grades):
    total = 0
    for g in grades:
        total += g
    return total / len(grades)

print(average([]))''',
         "problem": "I get `ZeroDivisionError: division by zero` when the list is empty. What's the cleanest fix?",
         "fix": r'''The error comes from `len(grades)` being 0 for an empty list. Decide what an empty list should mean and handle it explicitly. Returning `None` is a common choice:

```python
def average(grades: list[float]) -> float | None:
    """Mean of the grades, or None when there are none."""
    if not grades:
        return None
    return sum(grades) / len(grades)
```

Two small improvements came along with the fix: the built-in `sum` replaces the manual loop, and the type hints make the `None` case visible to callers.

If an empty list should never happen in your program, raising a clear error is better than silently returning `None`:

```python
if not grades:
    raise ValueError("average() needs at least one grade")
```

Since Python 3.4 there's also `statistics.mean`, which raises `StatisticsError` on empty input.''',
         "explain": r'''The function adds up every number in `grades` and divides the total by how many numbers there are, which is the arithmetic mean.

- `total = 0` starts a running sum.
- The `for` loop adds each grade `g` to `total`.
- `return total / len(grades)` divides by the count.

The last line calls it with an empty list, which fails: `len([])` is `0`, so Python raises `ZeroDivisionError`. `sum(grades) / len(grades)` would do the same in one line, with the same problem on empty input.''',
         "tests": r'''Here are pytest tests covering the normal cases and the empty list (assuming the version that returns `None` for an empty list):

```python
import pytest
from grades import average


def test_average_of_several_grades():
    assert average([80, 90, 100]) == 90


def test_average_of_one_grade():
    assert average([72.5]) == 72.5


def test_average_handles_floats():
    assert average([0.1, 0.2]) == pytest.approx(0.15)


def test_average_of_empty_list_is_none():
    assert average([]) is None
```

Run them with `pytest -q`. `pytest.approx` avoids failures caused by floating-point rounding.'''},

    {"lang": "python", "name": "mutable default",
         "code": r'''def add_item(item, basket=[]):
    basket.append(item)
    return basket

a = add_item("apple")
b = add_item("pear")
print(a, b)''',
         "problem": "Why does this print `['apple', 'pear'] ['apple', 'pear']`? I expected two separate lists.",
         "fix": r'''This is Python's mutable default argument gotcha. The default value `[]` is created **once**, when the function is defined, not each time it's called. Every call that doesn't pass `basket` shares that same list, so `a` and `b` are literally the same object.

The standard fix is to use `None` as the default and create the list inside the function:

```python
def add_item(item, basket=None):
    if basket is None:
        basket = []
    basket.append(item)
    return basket

a = add_item("apple")
b = add_item("pear")
print(a, b)  # ['apple'] ['pear']
```

The same applies to any mutable default: dicts, sets, or objects. Linters like Ruff and Pylint warn about this (rule B006 / W0102).''',
         "explain": r'''`add_item` appends `item` to `basket` and returns it. If you don't pass a basket, it uses the default `[]`.

The catch is that default values are evaluated once, when the `def` statement runs. So there is a single list object that every call without a `basket` argument reuses. After the first call it holds `["apple"]`, after the second `["apple", "pear"]`, and both `a` and `b` point to that same list, which is why the print shows it twice.'''},

    {"lang": "python", "name": "pandas groupby",
         "code": r'''import pandas as pd

df = pd.read_csv("sales.csv")
monthly = df.groupby("month")["revenue"].sum()
monthly = monthly.sort_values()
print(monthly.head(12))''',
         "problem": "The months come out in a weird order (April, August, December...) and some months seem to be missing. The `month` column looks like `2024-03`. What am I doing wrong?",
         "fix": r'''Two separate things are going on:

1. **Order:** `sort_values()` sorts by revenue, not by month. And if the month column was parsed as text (e.g. "April"), sorting by index would be alphabetical. Convert the column to a real period and sort by the index instead.
2. **Missing months:** `head(12)` only shows the first 12 rows. If your file covers more than a year, the rest are there, just not printed. Months with no sales at all won't appear in a groupby, so add them back with `reindex`.

```python
import pandas as pd

df = pd.read_csv("sales.csv")
df["month"] = pd.PeriodIndex(df["month"], freq="M")

monthly = df.groupby("month")["revenue"].sum().sort_index()

# include months with no sales as 0
full_range = pd.period_range(monthly.index.min(), monthly.index.max(), freq="M")
monthly = monthly.reindex(full_range, fill_value=0)

print(monthly.to_string())
```

If you do want the months ranked by revenue, keep `sort_values(ascending=False)`, but be aware that the result is no longer in calendar order.''',
         "explain": r'''Step by step:

- `pd.read_csv("sales.csv")` loads the file into a DataFrame.
- `df.groupby("month")["revenue"].sum()` groups rows by the `month` column and adds up `revenue` in each group, which gives a Series indexed by month.
- `.sort_values()` sorts that Series by its **values**, so the month with the lowest revenue comes first.
- `.head(12)` prints only the first 12 entries.

So the output is "the 12 lowest-revenue months", not "the months of the year in order".'''},

    {"lang": "javascript", "name": "async forEach",
         "code": r'''async function saveAll(users) {
  users.forEach(async (user) => {
    await db.save(user);
  });
  console.log("all saved");
}''',
         "problem": "\"all saved\" is logged before the saves actually finish, and sometimes errors from db.save are just swallowed. Why?",
         "fix": r'''`forEach` doesn't know anything about promises. It calls your async callback for each user and ignores the promise each call returns, so `saveAll` moves on to `console.log` immediately and any rejection becomes an unhandled promise rejection.

If the saves can run in parallel, use `Promise.all`:

```javascript
async function saveAll(users) {
  await Promise.all(users.map((user) => db.save(user)));
  console.log("all saved");
}
```

If they must run one after another (for example, to avoid overloading the database), use a `for...of` loop:

```javascript
async function saveAll(users) {
  for (const user of users) {
    await db.save(user);
  }
  console.log("all saved");
}
```

With either version, an error from `db.save` now rejects the promise returned by `saveAll`, so the caller can `try/catch` it. If you want to attempt every save and collect failures instead of stopping at the first one, use `Promise.allSettled`.''',
         "explain": r'''`saveAll` takes a list of users and, for each one, starts an async function that waits for `db.save(user)`. Because `forEach` ignores return values, those async callbacks are fired off and not awaited. `saveAll` itself doesn't wait for anything before logging "all saved", so the log line runs while the saves are still in flight.'''},

    {"lang": "sql", "name": "left join filter",
         "code": r'''SELECT c.id, c.name, COUNT(o.id) AS orders_2024
FROM customers c
LEFT JOIN orders o ON o.customer_id = c.id
WHERE o.created_at >= '2024-01-01'
GROUP BY c.id, c.name
ORDER BY orders_2024 DESC;''',
         "problem": "I want every customer, including ones with zero orders in 2024, but customers with no orders don't show up at all. I'm using a LEFT JOIN so I thought they'd be kept?",
         "fix": r'''The `WHERE` clause undoes the `LEFT JOIN`. For customers with no matching orders, `o.created_at` is `NULL`, and `NULL >= '2024-01-01'` is not true, so `WHERE` throws those rows away. The result behaves like an inner join.

Move the date condition into the join:

```sql
SELECT c.id, c.name, COUNT(o.id) AS orders_2024
FROM customers c
LEFT JOIN orders o
       ON o.customer_id = c.id
      AND o.created_at >= '2024-01-01'
      AND o.created_at <  '2025-01-01'
GROUP BY c.id, c.name
ORDER BY orders_2024 DESC;
```

Now the join only attaches 2024 orders, and customers without any still appear with `orders_2024 = 0`, because `COUNT(o.id)` ignores the NULLs. I also added an upper bound so orders from 2025 onwards aren't counted as 2024.''',
         "explain": r'''The query lists customers with the number of orders they placed since 1 January 2024, highest first.

- `LEFT JOIN orders o ON o.customer_id = c.id` attaches each customer's orders (or NULLs if there are none).
- `WHERE o.created_at >= '2024-01-01'` keeps only rows whose order date is in 2024 or later.
- `GROUP BY c.id, c.name` collapses to one row per customer and `COUNT(o.id)` counts their orders.
- `ORDER BY orders_2024 DESC` sorts by that count.

Note that the `WHERE` filter also removes customers without orders, because their `created_at` is NULL.'''},

    {"lang": "bash", "name": "loop over files with spaces",
         "code": r'''#!/bin/bash
for f in $(ls *.jpg); do
  convert $f -resize 50% small_$f
done''',
         "problem": "This breaks on files that have spaces in their names, like `beach day.jpg`. convert says it can't find `beach` and `day.jpg`.",
         "fix": r'''Two things split the names on spaces: `$(ls *.jpg)` produces a string that the shell splits on whitespace, and the unquoted `$f` is split again. Let the glob produce the list directly and quote every variable:

```bash
#!/bin/bash
shopt -s nullglob          # no iterations at all if there are no .jpg files

for f in *.jpg; do
  convert "$f" -resize 50% "small_$f"
done
```

Notes:
- Never parse the output of `ls`; a glob like `*.jpg` already handles spaces, quotes and other odd characters correctly.
- `nullglob` stops the loop from running once with the literal string `*.jpg` when the folder has no matches.
- If you run it twice, it will also shrink the `small_` files. Skip them with `[[ $f == small_* ]] && continue` at the top of the loop.''',
         "explain": r'''The script loops over the JPEG files in the current folder and uses ImageMagick's `convert` to make a copy at half size, named with a `small_` prefix. `$(ls *.jpg)` runs `ls` and substitutes its output, and `for f in ...` iterates over the words in that output. `convert $f -resize 50% small_$f` reads the image, scales it to 50% in each dimension and writes the result.'''},

    {"lang": "python", "name": "requests retry",
         "code": r'''import requests

def fetch_json(url):
    for attempt in range(3):
        try:
            r = requests.get(url)
            return r.json()
        except Exception:
            pass
    return None''',
         "problem": "Sometimes this hangs forever, and when the API returns a 500 error page I get weird results instead of a retry. Can you make it more robust?",
         "fix": r'''A few issues:

- `requests.get` has **no timeout by default**, so a server that never responds makes it hang forever.
- A 500 response isn't an exception; `r.json()` is called on the error page, which either fails (and is silently retried) or parses an error body as if it were data.
- `except Exception: pass` hides real bugs, and there's no pause between attempts.

A more robust version:

```python
import logging
import time

import requests

log = logging.getLogger(__name__)
RETRYABLE = {429, 500, 502, 503, 504}


def fetch_json(url: str, attempts: int = 3, timeout: float = 10.0) -> dict:
    """GET a JSON document, retrying transient failures with exponential backoff."""
    for attempt in range(1, attempts + 1):
        try:
            r = requests.get(url, timeout=timeout)
            if r.status_code in RETRYABLE and attempt < attempts:
                raise requests.HTTPError(f"retryable status {r.status_code}", response=r)
            r.raise_for_status()
            return r.json()
        except (requests.ConnectionError, requests.Timeout, requests.HTTPError) as exc:
            status = getattr(exc.response, "status_code", None)
            if status is not None and status not in RETRYABLE:
                raise  # 4xx errors won't fix themselves
            if attempt == attempts:
                raise
            delay = 2 ** (attempt - 1)
            log.warning("fetch %s failed (%s), retrying in %ss", url, exc, delay)
            time.sleep(delay)
    raise AssertionError("unreachable")
```

It raises instead of returning `None`, so callers can't mistake a failure for an empty result. If you call many URLs, consider a `requests.Session` with `urllib3.util.Retry` mounted on an `HTTPAdapter`, which gives you the same behaviour with less code.''',
         "explain": r'''`fetch_json` tries up to three times to GET `url` and parse the response body as JSON. If anything raises an exception (network error, invalid JSON), the `except` swallows it and the loop tries again immediately. If all three attempts fail, it returns `None`. Note that an HTTP error status like 404 or 500 doesn't raise here, so the function will try to parse whatever body came back.'''},

    {"lang": "typescript", "name": "react stale closure",
         "code": r'''function Timer() {
  const [seconds, setSeconds] = useState(0);

  useEffect(() => {
    const id = setInterval(() => {
      setSeconds(seconds + 1);
    }, 1000);
    return () => clearInterval(id);
  }, []);

  return <p>{seconds}s</p>;
}''',
         "problem": "The timer goes from 0 to 1 and then gets stuck at 1. ESLint is also complaining about a missing dependency. What's going on?",
         "fix": r'''It's a stale closure. The effect runs once (empty dependency array), so the interval callback captures `seconds` from the first render, which is `0`. Every tick calls `setSeconds(0 + 1)`, so the value stays at 1.

Use the functional form of the state setter, which always receives the latest value:

```tsx
function Timer() {
  const [seconds, setSeconds] = useState(0);

  useEffect(() => {
    const id = setInterval(() => {
      setSeconds((s) => s + 1);
    }, 1000);
    return () => clearInterval(id);
  }, []);

  return <p>{seconds}s</p>;
}
```

This also satisfies the ESLint rule, because the callback no longer reads `seconds`. Adding `seconds` to the dependency array would "work" too, but it would tear down and recreate the interval every second, which drifts and is wasteful.''',
         "explain": r'''`Timer` keeps a `seconds` counter in state and shows it. The `useEffect` with an empty dependency list runs once after the first render: it starts an interval that fires every 1000 ms and calls `setSeconds(seconds + 1)`, and it returns a cleanup function that clears the interval when the component unmounts.'''},

    {"lang": "go", "name": "goroutine loop variable",
         "code": r'''func fetchAll(urls []string) []string {
	var results []string
	var wg sync.WaitGroup
	for _, u := range urls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := fetch(u)
			results = append(results, body)
		}()
	}
	wg.Wait()
	return results
}''',
         "problem": "Results are sometimes missing entries and `go test -race` reports a data race. I'm on Go 1.20.",
         "fix": r'''Two bugs:

1. **Data race on `results`:** several goroutines call `append` on the same slice at once. `append` isn't safe for concurrent use, so entries get lost.
2. **Loop variable capture:** before Go 1.22, `u` is a single variable shared by all iterations, so goroutines may all see the last URL. (Go 1.22 made each iteration get its own copy, but you're on 1.20.)

Writing into a pre-sized slice by index fixes both and also keeps the results in the same order as `urls`:

```go
func fetchAll(urls []string) []string {
	results := make([]string, len(urls))
	var wg sync.WaitGroup
	for i, u := range urls {
		wg.Add(1)
		go func(i int, u string) {
			defer wg.Done()
			results[i] = fetch(u)
		}(i, u)
	}
	wg.Wait()
	return results
}
```

Each goroutine writes to a different element, which is safe. If `fetch` can fail, return `[]error` alongside, or use `golang.org/x/sync/errgroup`, which also lets you cap concurrency with `SetLimit`.''',
         "explain": r'''`fetchAll` starts one goroutine per URL so the fetches run concurrently. A `sync.WaitGroup` counts the running goroutines: `wg.Add(1)` before each one, `wg.Done()` when it finishes (deferred), and `wg.Wait()` blocks until all are done. Each goroutine calls `fetch(u)` and appends the body to the shared `results` slice, which is returned at the end.'''},

    {"lang": "python", "name": "class counter",
         "code": r'''class Inventory:
    items = {}

    def add(self, name, qty):
        self.items[name] = self.items.get(name, 0) + qty

store_a = Inventory()
store_b = Inventory()
store_a.add("widget", 5)
print(store_b.items)''',
         "problem": "store_b shows {'widget': 5} even though I only added to store_a??",
         "fix": r'''`items = {}` at class level creates a **class attribute**, one dictionary shared by every instance. `self.items[name] = ...` mutates that shared dict; it doesn't create a per-instance one.

Create the dict in `__init__` so each instance gets its own:

```python
class Inventory:
    def __init__(self) -> None:
        self.items: dict[str, int] = {}

    def add(self, name: str, qty: int) -> None:
        self.items[name] = self.items.get(name, 0) + qty


store_a = Inventory()
store_b = Inventory()
store_a.add("widget", 5)
print(store_b.items)  # {}
```

If you prefer dataclasses, `items: dict[str, int] = field(default_factory=dict)` does the same thing. A `collections.Counter` would also simplify `add` to `self.items[name] += qty`.''',
         "explain": r'''`Inventory` tracks quantities of items by name. `add` looks up the current quantity (0 if the item isn't there yet) and adds `qty`. The `items` dictionary is defined in the class body, so it belongs to the class itself and is shared by every `Inventory` object, which is why adding to `store_a` also shows up in `store_b`.'''},

    {"lang": "rust", "name": "borrow checker",
         "code": r'''fn longest_word(text: String) -> &str {
    let mut best = "";
    for word in text.split_whitespace() {
        if word.len() > best.len() {
            best = word;
        }
    }
    best
}''',
         "problem": "error[E0106]: missing lifetime specifier. I don't really get lifetimes yet, how do I fix this?",
         "fix": r'''The function takes `text` **by value** (a `String`) and tries to return a `&str` pointing into it. But `text` is dropped when the function returns, so the reference would point at freed memory. The compiler asks for a lifetime because there's no input reference the output could borrow from.

Borrow the input instead of taking ownership; then the returned slice borrows from the caller's string:

```rust
fn longest_word(text: &str) -> &str {
    let mut best = "";
    for word in text.split_whitespace() {
        if word.len() > best.len() {
            best = word;
        }
    }
    best
}

fn main() {
    let s = String::from("the quick brown fox jumped");
    println!("{}", longest_word(&s)); // "jumped"
}
```

With one reference parameter, Rust's lifetime elision rules fill in the lifetime for you; written out in full it's `fn longest_word<'a>(text: &'a str) -> &'a str`. Taking `&str` also means callers can pass either a `&String` or a string literal.

A shorter version with iterators: `text.split_whitespace().max_by_key(|w| w.len()).unwrap_or("")`. Note that on ties it returns the *last* longest word rather than the first.''',
         "explain": r'''The function is meant to return the longest whitespace-separated word in `text`. It starts with an empty best candidate, walks over the words from `split_whitespace()`, and keeps any word longer than the current best. `len()` counts bytes, not characters, which matters for non-ASCII text. As written it doesn't compile: it takes ownership of the `String` and returns a reference into it, which would outlive the string.'''},

    {"lang": "python", "name": "file read loop",
         "code": r'''def count_errors(path):
    f = open(path)
    lines = f.readlines()
    count = 0
    for line in lines:
        if "ERROR" in line:
            count = count + 1
    return count''',
         "problem": "This works but it's really slow and uses tons of memory on our 8 GB log files. Any way to speed it up?",
         "fix": r'''`readlines()` loads the whole 8 GB file into a list of strings in memory before you even start counting. Iterate over the file object instead; it reads line by line with a buffer, so memory stays flat:

```python
def count_errors(path: str) -> int:
    with open(path, encoding="utf-8", errors="replace") as f:
        return sum(1 for line in f if "ERROR" in line)
```

Also:
- `with` closes the file even if something goes wrong (the original never closed it).
- `errors="replace"` stops a single bad byte from crashing the run.

If it's still too slow, read in binary and search bytes, which skips decoding entirely:

```python
def count_errors(path: str) -> int:
    with open(path, "rb") as f:
        return sum(1 for line in f if b"ERROR" in line)
```

For a one-off, `grep -c ERROR file.log` will beat any Python version.''',
         "explain": r'''`count_errors` opens the file at `path`, reads all lines into a list with `readlines()`, and counts how many lines contain the text "ERROR". It returns that count. It never closes the file explicitly and holds the entire file in memory while counting.''',
         "tests": r'''Here's a pytest module using `tmp_path`, so no real log files are needed:

```python
from logtools import count_errors


def write(tmp_path, text):
    path = tmp_path / "app.log"
    path.write_text(text, encoding="utf-8")
    return path


def test_counts_lines_containing_error(tmp_path):
    path = write(tmp_path, "INFO start\nERROR disk full\nWARN slow\nERROR timeout\n")
    assert count_errors(path) == 2


def test_is_case_sensitive(tmp_path):
    path = write(tmp_path, "error lowercase\nERROR upper\n")
    assert count_errors(path) == 1


def test_empty_file(tmp_path):
    assert count_errors(write(tmp_path, "")) == 0


def test_line_with_two_errors_counts_once(tmp_path):
    assert count_errors(write(tmp_path, "ERROR then ERROR again\n")) == 1
```

The case-sensitivity test documents current behaviour; change it if you decide "error" in lowercase should count too.'''},

    {"lang": "javascript", "name": "this in callback",
         "code": r'''class Counter {
  constructor() {
    this.count = 0;
    document.getElementById("btn").addEventListener("click", this.increment);
  }
  increment() {
    this.count++;
    console.log(this.count);
  }
}''',
         "problem": "Clicking the button logs NaN. Why isn't this.count working?",
         "fix": r'''When you pass `this.increment` to `addEventListener`, you pass the bare function. When the browser calls it, `this` is the button element, not your `Counter`. `button.count` is `undefined`, and `undefined++` gives `NaN`.

Bind the method to the instance. The tidiest way is a class field with an arrow function, which captures `this` lexically:

```javascript
class Counter {
  count = 0;

  constructor() {
    document.getElementById("btn").addEventListener("click", this.increment);
  }

  increment = () => {
    this.count++;
    console.log(this.count);
  };
}
```

Alternatives: `this.increment = this.increment.bind(this)` in the constructor, or pass an inline arrow: `addEventListener("click", () => this.increment())`. Keep a reference to the bound function if you'll need `removeEventListener` later.''',
         "explain": r'''`Counter` keeps a click count. The constructor sets it to 0 and registers `increment` as the click handler for the element with id `btn`. `increment` adds one to `this.count` and logs it. The catch is what `this` refers to when the browser invokes the handler.'''},

    {"lang": "sql", "name": "duplicate rows",
         "code": r'''SELECT email, COUNT(*)
FROM users
GROUP BY email
HAVING COUNT(*) > 1;''',
         "problem": "This finds duplicate emails. How do I delete the duplicates but keep the oldest row (lowest id) for each email? Postgres.",
         "fix": r'''In PostgreSQL you can number the rows per email with a window function and delete every row after the first:

```sql
BEGIN;

DELETE FROM users
WHERE id IN (
    SELECT id
    FROM (
        SELECT id,
               ROW_NUMBER() OVER (PARTITION BY lower(email) ORDER BY id) AS rn
        FROM users
    ) ranked
    WHERE rn > 1
);

-- check the result before committing
SELECT lower(email), COUNT(*) FROM users GROUP BY 1 HAVING COUNT(*) > 1;

COMMIT;
```

Notes:
- I used `lower(email)` so `Ann@x.com` and `ann@x.com` count as the same address. Drop it if you want exact matching.
- Check for foreign keys first: orders or sessions pointing at the duplicate user ids need to be re-pointed to the surviving id, or the delete will fail (or cascade, which is worse).
- Afterwards, stop it happening again with a unique index: `CREATE UNIQUE INDEX users_email_key ON users (lower(email));`''',
         "explain": r'''The query groups the `users` table by `email` and counts the rows in each group. `HAVING COUNT(*) > 1` keeps only the groups with more than one row, so the result lists every email address that appears more than once, with how many times it appears.'''},

    {"lang": "python", "name": "flask route",
         "code": r'''from flask import Flask, request
import sqlite3

app = Flask(__name__)

@app.route("/user")
def get_user():
    name = request.args.get("name")
    conn = sqlite3.connect("app.db")
    cur = conn.execute(f"SELECT id, email FROM users WHERE name = '{name}'")
    row = cur.fetchone()
    return {"id": row[0], "email": row[1]}''',
         "problem": "Can you review this endpoint? It works in my tests but my teammate said it's dangerous.",
         "fix": r'''Your teammate is right. The main problem is **SQL injection**: the name is pasted straight into the SQL string, so a request like `/user?name=' OR '1'='1` returns someone else's record, and worse payloads can read or modify other tables.

Other issues:
- If no user matches, `row` is `None` and `row[0]` raises, giving a 500 instead of a 404.
- A missing `name` parameter isn't handled.
- The connection is never closed.

A safer version:

```python
import sqlite3

from flask import Flask, abort, request

app = Flask(__name__)


def get_db() -> sqlite3.Connection:
    conn = sqlite3.connect("app.db")
    conn.row_factory = sqlite3.Row
    return conn


@app.route("/user")
def get_user():
    name = request.args.get("name", "").strip()
    if not name:
        abort(400, description="query parameter 'name' is required")
    with get_db() as conn:
        row = conn.execute("SELECT id, email FROM users WHERE name = ?", (name,)).fetchone()
    if row is None:
        abort(404)
    return {"id": row["id"], "email": row["email"]}
```

The `?` placeholder lets SQLite pass the value separately from the SQL, so it can never change the query's structure. Also think about whether this endpoint should return emails to anyone who asks: it probably needs authentication. (Note that `with conn:` in sqlite3 manages a transaction, not closing; for a real app use Flask's `g` and a teardown handler, or an ORM.)''',
         "explain": r'''This is a small Flask app with one endpoint, `GET /user?name=...`. It reads the `name` query parameter, opens the SQLite database `app.db`, runs a query for the user with that name, and returns their id and email as JSON (Flask turns a returned dict into a JSON response).'''},

    {"lang": "java", "name": "string compare",
         "code": r'''Scanner sc = new Scanner(System.in);
System.out.print("Continue? (yes/no): ");
String answer = sc.nextLine();
if (answer == "yes") {
    System.out.println("Continuing...");
} else {
    System.out.println("Stopping.");
}''',
         "problem": "Even when I type yes it prints Stopping. What??",
         "fix": r'''In Java, `==` on objects compares **references** (are these the same object?), not contents. The string from `nextLine()` is a new object, so it's never the same object as the literal `"yes"`.

Use `equals`, and it's worth ignoring case and surrounding spaces too:

```java
Scanner sc = new Scanner(System.in);
System.out.print("Continue? (yes/no): ");
String answer = sc.nextLine().trim();
if ("yes".equalsIgnoreCase(answer)) {
    System.out.println("Continuing...");
} else {
    System.out.println("Stopping.");
}
```

Putting the literal first (`"yes".equals(...)`) also avoids a `NullPointerException` if `answer` is ever null.''',
         "explain": r'''The snippet asks the user whether to continue, reads a line from standard input with a `Scanner`, and prints "Continuing..." if the answer is "yes", otherwise "Stopping.". The comparison uses `==`, which for strings checks whether both sides are the same object rather than whether they contain the same text.'''},

    {"lang": "python", "name": "datetime timezone",
         "code": r'''from datetime import datetime

def is_expired(expires_at_iso):
    expires_at = datetime.fromisoformat(expires_at_iso)
    return datetime.now() > expires_at

print(is_expired("2024-06-01T12:00:00+00:00"))''',
         "problem": "TypeError: can't compare offset-naive and offset-aware datetimes",
         "fix": r'''`fromisoformat` on a string with `+00:00` gives a timezone-**aware** datetime, while `datetime.now()` with no argument is **naive** (no timezone). Python refuses to compare them because it can't know what time zone the naive one is in.

Use an aware "now" in UTC:

```python
from datetime import datetime, timezone


def is_expired(expires_at_iso: str) -> bool:
    expires_at = datetime.fromisoformat(expires_at_iso)
    if expires_at.tzinfo is None:
        # treat timestamps without an offset as UTC (pick whatever your data actually means)
        expires_at = expires_at.replace(tzinfo=timezone.utc)
    return datetime.now(timezone.utc) > expires_at
```

General rule: keep datetimes aware and in UTC inside your program and only convert to local time for display. Avoid `datetime.utcnow()`; it returns a naive datetime and is deprecated since Python 3.12.''',
         "explain": r'''`is_expired` parses an ISO 8601 timestamp string into a `datetime` and returns `True` if the current time is later than it. The example checks whether noon UTC on 1 June 2024 has passed.'''},

    {"lang": "css", "name": "centering",
         "code": r'''.modal {
  position: absolute;
  top: 50%;
  left: 50%;
  width: 500px;
}''',
         "problem": "My modal isn't centered, the top-left corner is in the middle of the screen instead. And on mobile it goes off the side.",
         "fix": r'''`top: 50%; left: 50%` positions the **top-left corner** at the centre. Shift the box back by half its own size with a transform, and cap the width for small screens:

```css
.modal {
  position: fixed;              /* stays centred when the page scrolls */
  top: 50%;
  left: 50%;
  transform: translate(-50%, -50%);
  width: min(500px, 100vw - 2rem);
  max-height: calc(100vh - 2rem);
  overflow-y: auto;
}
```

`min(500px, 100vw - 2rem)` keeps it 500px on desktop and leaves a 1rem margin on each side on phones. `max-height` with `overflow-y: auto` stops tall content from running off the screen.

If the modal sits inside a full-screen overlay, flexbox is even simpler: give the overlay `display: grid; place-items: center;` and drop the positioning from `.modal` entirely.''',
         "explain": r'''The rule positions `.modal` relative to its nearest positioned ancestor: its top edge at 50% of that ancestor's height and its left edge at 50% of its width, with a fixed width of 500px. Nothing shifts it back by half its own size, so the box starts at the centre rather than being centred on it.'''},

    {"lang": "python", "name": "recursion fibonacci",
         "code": r'''def fib(n):
    if n <= 1:
        return n
    return fib(n - 1) + fib(n - 2)

print(fib(40))''',
         "problem": "This takes forever for n=40 and I need fib(200) for an exercise. How do I make it fast?",
         "fix": r'''The recursive version recomputes the same values over and over: `fib(40)` makes over 300 million calls. Two easy fixes:

**1. Memoise it** (keeps the recursive style):

```python
from functools import cache


@cache
def fib(n: int) -> int:
    if n <= 1:
        return n
    return fib(n - 1) + fib(n - 2)
```

Each value is computed once, so it's O(n). For very large n you can hit the recursion limit (about 1000), though.

**2. Iterate** (simplest and fastest, no recursion limit):

```python
def fib(n: int) -> int:
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


print(fib(200))  # 280571172992510140037611932413038677189525
```

Python integers have arbitrary precision, so `fib(200)` is exact.''',
         "explain": r'''This is the textbook recursive Fibonacci: `fib(0)` is 0, `fib(1)` is 1, and every other value is the sum of the two before it. It's correct but exponentially slow, because `fib(n-1)` and `fib(n-2)` each recompute most of the same smaller values.'''},

    {"lang": "python", "name": "dict iteration delete",
         "code": r'''sessions = load_sessions()
for sid, s in sessions.items():
    if s.expired():
        del sessions[sid]''',
         "problem": "RuntimeError: dictionary changed size during iteration",
         "fix": r'''You can't add or remove keys from a dict while you're iterating over it. Either iterate over a snapshot of the keys, or build a new dict.

Rebuild it with a comprehension (usually the cleanest):

```python
sessions = {sid: s for sid, s in sessions.items() if not s.expired()}
```

Or, if other code holds a reference to the same dict object and you need to change it in place, collect the keys first:

```python
expired = [sid for sid, s in sessions.items() if s.expired()]
for sid in expired:
    del sessions[sid]
```

`for sid in list(sessions):` also works, since `list(...)` copies the keys before the loop starts.''',
         "explain": r'''The code loads a dictionary of sessions keyed by session id, then loops over it and deletes every session whose `expired()` method returns `True`. Deleting inside the loop changes the dictionary's size while it is being iterated, which Python detects and stops with a `RuntimeError`.'''},

    {"lang": "docker", "name": "dockerfile cache",
         "code": r'''FROM python:3.12
WORKDIR /app
COPY . .
RUN pip install -r requirements.txt
CMD ["python", "main.py"]''',
         "problem": "Every tiny code change makes docker build reinstall all the dependencies, it takes 4 minutes each time. Also the image is 1.2GB.",
         "fix": r'''Docker caches each step, but `COPY . .` invalidates the cache whenever *any* file changes, so `pip install` always reruns. Copy `requirements.txt` on its own first, install, then copy the code. And use the slim base image:

```dockerfile
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

RUN useradd --create-home appuser
USER appuser

CMD ["python", "main.py"]
```

Now code changes only rebuild the last layers, and the install step is cached until `requirements.txt` changes.

Also add a `.dockerignore` so `.git`, virtualenvs and caches don't get copied in:

```
.git
.venv
__pycache__
*.pyc
.env
```

`python:3.12-slim` is around 150 MB instead of about 1 GB. If a dependency needs compilers to build, use a multi-stage build: install with build tools in a first stage and copy the installed packages into a slim final stage.''',
         "explain": r'''The Dockerfile starts from the official Python 3.12 image, sets `/app` as the working directory, copies the whole build context into it, installs the packages listed in `requirements.txt`, and sets the default command to run `main.py`.'''},

    {"lang": "typescript", "name": "optional chaining types",
         "code": r'''interface User { name: string; address?: { city: string } }

function cityOf(user: User): string {
  return user.address.city;
}''',
         "problem": "TS2532: Object is possibly 'undefined'. How should I handle this properly?",
         "fix": r'''`address` is optional (`address?`), so TypeScript correctly points out it might be `undefined`. Decide what the function should return in that case and make it explicit.

Return `undefined` and let the caller decide:

```ts
function cityOf(user: User): string | undefined {
  return user.address?.city;
}
```

Or supply a fallback:

```ts
function cityOf(user: User): string {
  return user.address?.city ?? "Unknown";
}
```

Avoid silencing it with the non-null assertion (`user.address!.city`): it compiles, but crashes at runtime for users without an address, which is exactly what the error is warning about. Use `??` rather than `||` for the fallback, so an empty string isn't replaced by accident.''',
         "explain": r'''The interface says every `User` has a `name`, and may have an `address` containing a `city`. `cityOf` returns the city from the user's address. Because `address` is optional, `user.address` might be `undefined`, and reading `.city` from it would throw at runtime, so the compiler rejects it under `strictNullChecks`.'''},

    {"lang": "python", "name": "late binding lambdas",
         "code": r'''multipliers = []
for i in range(1, 4):
    multipliers.append(lambda x: x * i)

print([m(10) for m in multipliers])''',
         "problem": "I expected `[10, 20, 30]` but I get `[30, 30, 30]`. Why?",
         "fix": r'''Python closures capture **variables**, not values. All three lambdas refer to the same `i`, and they look it up when they're *called*. By then the loop has finished and `i` is 3, so every lambda multiplies by 3.

Bind the current value at definition time with a default argument:

```python
multipliers = []
for i in range(1, 4):
    multipliers.append(lambda x, i=i: x * i)

print([m(10) for m in multipliers])  # [10, 20, 30]
```

Or use `functools.partial`, which makes the intent more explicit:

```python
from functools import partial
from operator import mul

multipliers = [partial(mul, i) for i in range(1, 4)]
```

The same "late binding" applies to functions defined with `def` inside a loop and to lambdas in list comprehensions.''',
         "explain": r'''The loop builds a list of three small functions. Each `lambda x: x * i` takes a number and multiplies it by `i`. The last line calls each function with 10 and prints the results. The twist is that `i` inside the lambdas isn't copied when the lambda is created; it's looked up when the lambda runs, after the loop has ended.'''},

    {"lang": "python", "name": "json datetime",
         "code": r'''import json
from datetime import datetime

event = {"name": "deploy", "at": datetime.now(), "ok": True}
print(json.dumps(event))''',
         "problem": "TypeError: Object of type datetime is not JSON serializable",
         "fix": r'''JSON has no date type, so the `json` module doesn't know how to write a `datetime`. Convert it to a string yourself. ISO 8601 is the usual choice:

```python
import json
from datetime import datetime, timezone

event = {"name": "deploy", "at": datetime.now(timezone.utc), "ok": True}
print(json.dumps(event, default=lambda o: o.isoformat() if isinstance(o, datetime) else str(o)))
# {"name": "deploy", "at": "2024-09-12T08:41:07.123456+00:00", "ok": true}
```

The `default` function is called for any object `json` can't handle. A stricter version raises for unexpected types instead of silently calling `str`:

```python
def to_json(obj):
    if isinstance(obj, datetime):
        return obj.isoformat()
    raise TypeError(f"{type(obj).__name__} is not JSON serializable")

json.dumps(event, default=to_json)
```

When reading it back, use `datetime.fromisoformat(...)`. I also switched to a timezone-aware UTC time, so whoever reads the JSON knows which time zone it's in.''',
         "explain": r'''The snippet builds a dictionary describing an event, with a name, the current time as a `datetime` object, and a success flag, then tries to turn it into a JSON string with `json.dumps` and print it.'''},

    {"lang": "python", "name": "round half even",
         "code": r'''prices = [0.5, 1.5, 2.5, 3.5]
print([round(p) for p in prices])''',
         "problem": "This prints [0, 2, 2, 4]. Is Python's round broken?? I need 2.5 to become 3 for invoice totals.",
         "fix": r'''It isn't broken. Python's `round` uses **round half to even** ("banker's rounding"): exact halves go to the nearest even number. It avoids the upward bias you get when always rounding .5 up over many values.

For money, use `decimal` with the rounding mode you need. It also avoids float surprises like `2.675` being stored as `2.67499999...`:

```python
from decimal import Decimal, ROUND_HALF_UP

def round_money(value: str | Decimal, places: str = "1") -> Decimal:
    return Decimal(value).quantize(Decimal(places), rounding=ROUND_HALF_UP)

print([round_money(p) for p in ["0.5", "1.5", "2.5", "3.5"]])   # [1, 2, 3, 4]
print(round_money("2.675", "0.01"))                              # 2.68
```

Pass amounts as strings (or keep them as `Decimal` throughout) rather than floats, otherwise the float's binary error comes along. Also check what your accounting rules say: some jurisdictions require specific rounding rules for invoices and tax.''',
         "explain": r'''It rounds each price in the list to the nearest whole number using Python's built-in `round` and prints the results. With no second argument, `round` returns an integer. For values exactly halfway between two integers, it picks the even one.'''},

    {"lang": "python", "name": "coroutine never awaited",
         "code": r'''import asyncio
import aiohttp

async def get_status(url):
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as resp:
            return resp.status

def main():
    urls = ["https://example.com", "https://example.org"]
    for u in urls:
        print(u, get_status(u))

main()''',
         "problem": "It prints `<coroutine object get_status at 0x...>` and a warning `RuntimeWarning: coroutine 'get_status' was never awaited`. What am I missing?",
         "fix": r'''Calling an `async def` function doesn't run it; it just creates a coroutine object. Something has to `await` it inside an event loop. Make `main` async, await the calls and start the loop with `asyncio.run`:

```python
import asyncio

import aiohttp


async def get_status(session: aiohttp.ClientSession, url: str) -> int:
    async with session.get(url) as resp:
        return resp.status


async def main() -> None:
    urls = ["https://example.com", "https://example.org"]
    async with aiohttp.ClientSession() as session:
        statuses = await asyncio.gather(*(get_status(session, u) for u in urls))
    for url, status in zip(urls, statuses):
        print(url, status)


asyncio.run(main())
```

Two improvements along the way:
- `asyncio.gather` runs the requests **concurrently**. Awaiting them one by one in a loop would work too, but sequentially.
- One `ClientSession` is shared across requests. aiohttp recommends this; creating a session per request throws away connection pooling.''',
         "explain": r'''`get_status` is an asynchronous function that opens an HTTP session with aiohttp, sends a GET request to `url`, and returns the response's status code. `main` is an ordinary function that loops over two URLs and prints each URL next to the result of calling `get_status`. Because `main` isn't async and never awaits anything, the calls produce coroutine objects rather than status codes.'''},

    {"lang": "python", "name": "pandas settingwithcopy",
         "code": r'''import pandas as pd

df = pd.read_csv("orders.csv")
big = df[df["amount"] > 1000]
big["priority"] = "high"
print(big.head())''',
         "problem": "I get `SettingWithCopyWarning: A value is trying to be set on a copy of a slice from a DataFrame`. The output looks right, so can I ignore it?",
         "fix": r'''Don't ignore it. The warning means pandas can't tell whether `big` is a view of `df` or a separate copy, so it can't promise your assignment does what you intend. Here it happens to work on `big`, but the same pattern elsewhere can silently modify nothing, or modify the original.

Decide what you actually want:

**A separate DataFrame of large orders** (then `df` is untouched):

```python
big = df[df["amount"] > 1000].copy()
big["priority"] = "high"
```

**Or to mark the rows in the original DataFrame:**

```python
df.loc[df["amount"] > 1000, "priority"] = "high"
```

`.loc` with a row mask and a column name is the reliable way to assign to a subset. In pandas 2.x you can also turn on copy-on-write (`pd.options.mode.copy_on_write = True`), which makes the behaviour predictable: a filtered frame always behaves like a copy. It becomes the default in pandas 3.0.''',
         "explain": r'''The code loads orders from a CSV file, keeps only the rows where `amount` is over 1000 in a new variable `big`, adds a `priority` column set to "high" on those rows, and prints the first five. The filtering step returns a new DataFrame that pandas may treat as a slice of the original, which is what the `SettingWithCopyWarning` is about.'''},

    {"lang": "python", "name": "relative path cron",
         "code": r'''import json

def load_config():
    with open("config.json") as f:
        return json.load(f)

config = load_config()''',
         "problem": "Works fine when I run `python app.py` from the project folder, but from cron (or from another directory) I get `FileNotFoundError: [Errno 2] No such file or directory: 'config.json'`.",
         "fix": r'''A relative path like `"config.json"` is resolved against the **current working directory**, not the folder the script lives in. Cron usually starts jobs in your home directory, so Python looks for `~/config.json`.

Build the path from the script's own location:

```python
import json
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def load_config() -> dict:
    with open(BASE_DIR / "config.json", encoding="utf-8") as f:
        return json.load(f)


config = load_config()
```

Now it works no matter where it's started from. For cron specifically, also use absolute paths for the interpreter (for example your virtualenv's `python`) and redirect output to a log so you can see errors:

```
*/15 * * * * /home/me/app/.venv/bin/python /home/me/app/app.py >> /home/me/app/cron.log 2>&1
```''',
         "explain": r'''`load_config` opens a file called `config.json`, parses it as JSON and returns the result, usually a dictionary. The last line calls it when the module is loaded and stores the configuration in `config`. The file name has no directory, so Python looks for it in whatever directory the program was started from.'''},
]

CODE_FIX_ASKS = [
    "{problem}\n\n```{lang}\n{code}\n```",
    "```{lang}\n{code}\n```\n\n{problem}",
    "Can someone explain what's wrong here? {problem}\n\n```{lang}\n{code}\n```",
    "{problem}\n\n{code}",
    "Here's my code:\n\n```{lang}\n{code}\n```\n\n{problem} Thanks in advance!",
]
CODE_EXPLAIN_ASKS = [
    "What does this code do?\n\n```{lang}\n{code}\n```",
    "Can you explain this {name} snippet line by line? I inherited it from someone who left.\n\n```{lang}\n{code}\n```",
    "explain this please\n\n{code}",
    "I'm learning {name}. Could you walk me through what this does?\n\n```{lang}\n{code}\n```",
]
CODE_TEST_ASKS = [
    "Can you write unit tests for this?\n\n```{lang}\n{code}\n```",
    "Write pytest tests for the following function, including edge cases.\n\n```{lang}\n{code}\n```",
]

# ============================================================== code-writing requests

CODE_GEN = [
    ("Write a Python function that checks whether a string is a palindrome, ignoring case, spaces and punctuation.",
     r'''```python
def is_palindrome(text: str) -> bool:
    """True if text reads the same backwards, ignoring case and non-alphanumeric characters."""
    cleaned = [c.lower() for c in text if c.isalnum()]
    return cleaned == cleaned[::-1]


assert is_palindrome("A man, a plan, a canal: Panama")
assert is_palindrome("No 'x' in Nixon")
assert not is_palindrome("Hello, world")
assert is_palindrome("")  # an empty string counts as a palindrome
```

`str.isalnum()` keeps letters and digits from any alphabet, so accented text works too. If you need to handle very long strings without building a copy, compare characters with two indices moving towards the middle instead.'''),
    ("bash one liner to find the 10 largest files under the current directory",
     r'''```bash
find . -type f -exec du -h {} + 2>/dev/null | sort -rh | head -n 10
```

`du -h` prints human-readable sizes, `sort -rh` sorts those sizes largest first, and `2>/dev/null` hides permission errors. On macOS, if `sort -h` isn't available, use `du -k` and `sort -rn` instead.'''),
    ("Write a SQL query that returns the top 3 products by revenue in each category. Tables: products(id, name, category), order_items(product_id, quantity, unit_price).",
     r'''```sql
WITH revenue AS (
    SELECT p.category,
           p.id,
           p.name,
           SUM(oi.quantity * oi.unit_price) AS revenue
    FROM products p
    JOIN order_items oi ON oi.product_id = p.id
    GROUP BY p.category, p.id, p.name
),
ranked AS (
    SELECT *,
           RANK() OVER (PARTITION BY category ORDER BY revenue DESC) AS rnk
    FROM revenue
)
SELECT category, name, revenue
FROM ranked
WHERE rnk <= 3
ORDER BY category, revenue DESC;
```

`RANK()` keeps ties, so a category can return more than 3 rows if two products have the same revenue. Use `ROW_NUMBER()` if you want exactly 3. Products that were never ordered are left out; switch to a `LEFT JOIN` with `COALESCE(..., 0)` if you need them.'''),
    ("Can you give me a JavaScript debounce function?",
     r'''```javascript
function debounce(fn, wait = 300) {
  let timer;
  return function (...args) {
    clearTimeout(timer);
    timer = setTimeout(() => fn.apply(this, args), wait);
  };
}

// usage
const onSearch = debounce((event) => {
  fetchResults(event.target.value);
}, 250);
searchInput.addEventListener("input", onSearch);
```

Each call resets the timer, so `fn` only runs once the calls stop for `wait` milliseconds. Using a regular `function` (not an arrow function) for the wrapper preserves `this`, which matters when the debounced function is used as a method.'''),
    ("write a python script that renames all files in a folder to lowercase and replaces spaces with underscores. should have a dry run option",
     r'''```python
#!/usr/bin/env python3
"""Rename files in a folder to lowercase, with spaces replaced by underscores."""

import argparse
from pathlib import Path


def new_name(name: str) -> str:
    return name.lower().replace(" ", "_")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--dry-run", action="store_true", help="only print what would change")
    args = parser.parse_args()

    for path in sorted(args.folder.iterdir()):
        if not path.is_file():
            continue
        target = path.with_name(new_name(path.name))
        if target.name == path.name:
            continue
        if target.exists() and target.name.lower() != path.name.lower():
            print(f"skip {path.name}: {target.name} already exists")
            continue
        print(f"{path.name} -> {target.name}")
        if not args.dry_run:
            path.rename(target)


if __name__ == "__main__":
    main()
```

Run `python rename.py ~/Downloads/photos --dry-run` first to check the changes. The existence check prevents overwriting a different file, while still allowing a case-only rename on case-insensitive file systems like macOS's default.'''),
    ("Write a regex that validates a strong password: at least 12 characters, one uppercase, one lowercase, one digit, one symbol.",
     r'''```regex
^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)(?=.*[^A-Za-z0-9]).{12,}$
```

Each `(?=...)` is a lookahead that checks for one character class anywhere in the string without consuming it, and `.{12,}` enforces the length.

That said, current guidance (NIST SP 800-63B) recommends length over composition rules: require at least 12–15 characters, check new passwords against lists of breached passwords, and skip the "must contain a symbol" rules, which mostly lead to predictable patterns like `Password1!`.'''),
    ("Give me a Go HTTP handler that returns JSON with the current server time",
     r'''```go
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"time"
)

type timeResponse struct {
	Now  time.Time `json:"now"`
	Unix int64     `json:"unix"`
}

func timeHandler(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	now := time.Now().UTC()
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(timeResponse{Now: now, Unix: now.Unix()}); err != nil {
		log.Printf("encode response: %v", err)
	}
}

func main() {
	http.HandleFunc("/time", timeHandler)
	log.Fatal(http.ListenAndServe(":8080", nil))
}
```

`time.Time` marshals to RFC 3339 (`"2024-09-12T08:30:00Z"`). Try it with `curl localhost:8080/time`.'''),
    ("python: read a CSV of transactions (date, description, amount) and print total spent per month",
     r'''```python
import csv
from collections import defaultdict
from datetime import date
from decimal import Decimal


def monthly_totals(path: str) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            month = date.fromisoformat(row["date"]).strftime("%Y-%m")
            amount = Decimal(row["amount"])
            if amount < 0:  # spending is negative in most bank exports
                totals[month] += -amount
    return dict(sorted(totals.items()))


for month, total in monthly_totals("transactions.csv").items():
    print(f"{month}  {total:>10,.2f}")
```

I used `Decimal` rather than `float` so the cents add up exactly. Adjust two things to match your export: the date format (use `datetime.strptime(row["date"], "%d/%m/%Y")` for UK-style dates) and whether spending is negative or positive.'''),
    ("Write a TypeScript function to group an array of objects by a key",
     r'''```ts
function groupBy<T, K extends PropertyKey>(items: readonly T[], key: (item: T) => K): Record<K, T[]> {
  const groups = {} as Record<K, T[]>;
  for (const item of items) {
    const k = key(item);
    (groups[k] ??= []).push(item);
  }
  return groups;
}

// usage
const orders = [
  { id: 1, status: "paid" },
  { id: 2, status: "pending" },
  { id: 3, status: "paid" },
];
const byStatus = groupBy(orders, (o) => o.status);
// { paid: [{id: 1, ...}, {id: 3, ...}], pending: [{id: 2, ...}] }
```

Taking a key function rather than a property name lets you group by computed values, e.g. `groupBy(users, (u) => u.createdAt.getFullYear())`. Newer runtimes (Node 21+, recent browsers) also ship `Object.groupBy`, which does the same thing.'''),
    ("how do i write a simple python decorator that times how long a function takes",
     r'''```python
import functools
import time


def timed(func):
    """Print how long each call to func takes."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            elapsed = time.perf_counter() - start
            print(f"{func.__name__} took {elapsed * 1000:.1f} ms")
    return wrapper


@timed
def slow_sum(n):
    return sum(range(n))


slow_sum(10_000_000)  # slow_sum took 180.3 ms
```

- `time.perf_counter()` is the right clock for measuring durations (monotonic, high resolution).
- `functools.wraps` keeps the original function's name and docstring.
- The `try/finally` reports the time even if the function raises.

For serious benchmarking use the `timeit` module, which repeats the call and avoids one-off noise.'''),
    ("Write a bash script that backs up a postgres database every night and keeps the last 7 backups",
     r'''```bash
#!/usr/bin/env bash
# Nightly PostgreSQL backup; keeps the 7 most recent dumps.
set -euo pipefail

DB_NAME="${DB_NAME:-appdb}"
BACKUP_DIR="${BACKUP_DIR:-/var/backups/postgres}"
KEEP=7

mkdir -p "$BACKUP_DIR"
timestamp=$(date +%Y-%m-%d_%H%M)
target="$BACKUP_DIR/${DB_NAME}_${timestamp}.dump"

# custom format is compressed and lets pg_restore restore single tables
pg_dump --format=custom --file="$target.partial" "$DB_NAME"
mv "$target.partial" "$target"

# delete everything but the newest $KEEP dumps
ls -1t "$BACKUP_DIR"/"${DB_NAME}"_*.dump | tail -n +$((KEEP + 1)) | xargs -r rm --

echo "backup written: $target"
```

Schedule it with cron as the `postgres` user (`crontab -e -u postgres`):

```
30 2 * * * /usr/local/bin/pg_backup.sh >> /var/log/pg_backup.log 2>&1
```

Writing to a `.partial` file first means a failed dump never counts as one of the 7 good backups. Test a restore now and then (`pg_restore --list file.dump` at minimum), and copy the backups off the machine, since a backup on the same disk won't survive a disk failure.'''),
    ("I need a function in JS that formats a number of bytes like 1536 -> '1.5 KB'",
     r'''```javascript
function formatBytes(bytes, decimals = 1) {
  if (!Number.isFinite(bytes) || bytes < 0) throw new RangeError("bytes must be a non-negative number");
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB", "PB"];
  let value = bytes;
  let i = -1;
  do {
    value /= 1024;
    i++;
  } while (value >= 1024 && i < units.length - 1);
  return `${parseFloat(value.toFixed(decimals))} ${units[i]}`;
}

formatBytes(1536);        // "1.5 KB"
formatBytes(1048576);     // "1 MB"
formatBytes(123456789);   // "117.7 MB"
```

This uses 1024-based units, which is what most operating systems show. For decimal units (1 kB = 1000 B, as disk manufacturers use), change 1024 to 1000.'''),
]
CODE_GEN_PREFIXES = ["", "", "", "Hi, ", "Quick one: ", "Can you help? "]

# ============================================================== documents to summarise or tighten
# Each paragraph: (text, one-sentence summary, tighter rewrite). Users paste a run of consecutive
# paragraphs (one to all of them), so pasted texts range from ~100 to ~2,000 tokens.

DOCS = [
    {"title": "Q2 operations update", "kind": "internal memo", "paras": [
        ("Team, thanks for a busy quarter. This update covers what the operations group delivered between April and June, where we fell short, and what we are prioritising for Q3. It is longer than usual because several projects finished at once, so I have grouped the sections by theme. If you only have two minutes, read the summary of numbers below and the Q3 priorities at the end.",
         "The memo covers Q2 operations results, shortfalls and Q3 priorities.",
         "Team, thanks for a busy quarter. This update covers what operations delivered from April to June, where we fell short, and our Q3 priorities. If you're short on time, read the numbers and the Q3 section."),
        ("Order volume grew 18% quarter on quarter, mostly from the two regional retailers we onboarded in April. Average fulfilment time fell from 41 hours to 33 hours, which puts us inside our contractual target of 36 hours for the first time since last autumn. On-time delivery held steady at 94.2%. Cost per order came down slightly, from $6.10 to $5.85, helped by the new carrier rates, though overtime costs partly offset the gains in May.",
         "Volume rose 18%, fulfilment time fell to 33 hours (within target), on-time delivery held at 94.2% and cost per order dropped to $5.85.",
         "Order volume grew 18%, mainly from two new regional retailers. Fulfilment time fell from 41 to 33 hours, inside our 36-hour target for the first time since autumn. On-time delivery held at 94.2%, and cost per order fell from $6.10 to $5.85, though May overtime ate into the savings."),
        ("The warehouse management system migration finished on 22 May, two weeks later than planned. The delay came from barcode label formats that the new system could not read, which we only discovered during the final test run with real stock. The team worked through a weekend to relabel roughly 4,000 bin locations. Since go-live, pick errors have dropped by about a third, and the daily stock reconciliation that used to take two people half a day now runs automatically overnight.",
         "The WMS migration went live on 22 May, two weeks late because of unreadable labels, and has since cut pick errors by a third and automated stock reconciliation.",
         "The warehouse system migration went live on 22 May, two weeks late: the new system couldn't read our barcode labels, and 4,000 bin locations had to be relabelled over a weekend. Since then pick errors are down about a third, and daily stock reconciliation runs automatically overnight."),
        ("Not everything went to plan. Returns processing remains our weakest area. The backlog peaked at 2,300 parcels in early June, and some customers waited more than three weeks for refunds. The root cause is simple: returns volume grew faster than orders, because one of the new retailers offers free returns, and we did not adjust staffing. We have since added a second returns shift and cleared the backlog to under 400 parcels, but the process still depends on manual inspection of every item.",
         "Returns were the weak spot: the backlog hit 2,300 parcels because staffing didn't keep pace with free-returns volume; a second shift has cut it below 400.",
         "Returns processing is still our weakest area. The backlog peaked at 2,300 parcels in June and some refunds took over three weeks, because returns grew faster than orders (one new retailer offers free returns) and we didn't adjust staffing. A second shift has brought the backlog under 400, but every item is still inspected by hand."),
        ("Staff turnover in the warehouse was 9% for the quarter, down from 14% in Q1. Exit interviews point to two changes that helped: publishing rotas three weeks in advance instead of one, and the new break room. We still struggle to hire forklift-certified staff, and we are relying on agency workers for about a fifth of those shifts, which costs us roughly 30% more per hour.",
         "Turnover fell from 14% to 9% thanks to earlier rotas and a new break room, but forklift roles are still hard to fill and agency cover costs 30% more.",
         "Warehouse turnover fell from 14% to 9%. Staff credit rotas published three weeks ahead and the new break room. Forklift-certified staff are still hard to hire, and agency workers cover about a fifth of those shifts at roughly 30% more per hour."),
        ("Safety: we recorded two minor incidents and no lost-time injuries. Both incidents involved pallets stacked above the marked height in aisle C. We have repainted the height markers and added the check to the end-of-shift walk-through. Thank you to everyone who reported near misses; we logged 27 this quarter, up from 11, which is exactly the trend we want.",
         "Safety was good: two minor incidents, no lost-time injuries, and near-miss reporting more than doubled.",
         "Safety: two minor incidents and no lost-time injuries. Both involved pallets stacked too high in aisle C, so we repainted the markers and added a check to the end-of-shift walk-through. Near-miss reports rose from 11 to 27, which is the trend we want."),
        ("For Q3 we have three priorities. First, redesign returns so that low-value items are refunded on scan and only high-value items get manual inspection. Second, run a forklift certification course for eight existing staff so we can reduce agency use. Third, prepare for peak season by agreeing extra capacity with our two main carriers by the end of August rather than in October as we did last year.",
         "Q3 priorities: refund low-value returns on scan, certify eight staff on forklifts, and lock in peak carrier capacity by end of August.",
         "Q3 priorities: (1) refund low-value returns on scan and inspect only high-value items; (2) certify eight current staff on forklifts to cut agency use; (3) agree peak capacity with both main carriers by end of August, not October."),
        ("Budget-wise, we finished the quarter 3% over plan, almost entirely because of overtime during the migration and the returns backlog. I expect us to recover most of that in Q3 as the new shift pattern settles. I have asked finance to split out migration costs so they are not mixed with running costs in future reports.",
         "Spending ended 3% over budget because of migration and backlog overtime, which should mostly be recovered in Q3.",
         "We finished 3% over budget, almost all from overtime during the migration and returns backlog. I expect to recover most of it in Q3, and finance will report migration costs separately from now on."),
        ("Finally, a thank you to the night shift, who absorbed most of the migration disruption without complaint, and to Dana and Luis for running the relabelling weekend. Questions and challenges on any of this are welcome; my door and inbox are open, and we will go through the numbers in more detail at the all-hands on 9 July.",
         "The memo closes by thanking the night shift, Dana and Luis, and invites questions before the 9 July all-hands.",
         "Thanks to the night shift, who absorbed most of the migration disruption, and to Dana and Luis for running the relabelling weekend. Questions are welcome any time; we'll go through the numbers at the 9 July all-hands."),
    ]},
    {"title": "Postmortem: checkout outage", "kind": "incident postmortem", "paras": [
        ("Summary. On Thursday 14 March, between 18:42 and 19:57 UTC, customers could not complete purchases on the web store or the mobile apps. Product pages and carts loaded normally, but every attempt to pay returned a generic error. Roughly 11,000 checkout attempts failed during the 75-minute window. No payments were taken twice and no card data was exposed.",
         "Checkout failed for 75 minutes on 14 March, affecting about 11,000 attempts, with no double charges or data exposure.",
         "On 14 March from 18:42 to 19:57 UTC, no customer could complete a purchase; browsing and carts worked, but payment failed. About 11,000 checkout attempts failed. Nobody was charged twice and no card data was exposed."),
        ("Impact. Based on the same evening in the previous four weeks, we estimate about $310,000 in orders were not placed during the outage. Some of those customers came back later that night; the final revenue shortfall for the day was around $140,000. Customer support received 640 contacts about the problem, and the status page was not updated until 19:21, almost 40 minutes after the first alerts.",
         "The outage cost an estimated $140,000 in net revenue, generated 640 support contacts, and the status page was updated late.",
         "We estimate $310,000 in orders were not placed during the outage, and about $140,000 of that was never recovered that day. Support received 640 contacts, and the status page wasn't updated until 19:21, almost 40 minutes after the first alerts."),
        ("Root cause. The payments service keeps a pool of connections to its database. At 18:40 a scheduled job that recalculates loyalty points started running against the same database. A change merged two days earlier had removed a filter from that job, so instead of processing the previous day's orders it processed every order since 2019. The job held thousands of row locks for minutes at a time, and payment transactions waiting on those locks piled up until the connection pool was exhausted.",
         "A loyalty-points job, broken by a missing filter, locked rows across all historical orders and exhausted the payments database connection pool.",
         "The loyalty-points job started at 18:40 on the payments database. A change merged two days earlier had removed its date filter, so it processed every order since 2019 instead of one day's. It held thousands of row locks for minutes, payment transactions queued behind them, and the connection pool ran out."),
        ("Detection. Our checkout error-rate alert fired at 18:45, three minutes into the incident, and paged the on-call engineer. However, the alert message pointed to the payment provider's API as the likely cause, because that had been the source of the last three checkout incidents. The on-call engineer spent the first 25 minutes investigating the provider, whose status page showed no problems, before looking at our own database.",
         "Alerts fired quickly, but a misleading alert description sent the on-call engineer to investigate the payment provider for 25 minutes.",
         "The checkout error alert paged on-call at 18:45, within three minutes. But its message blamed the payment provider, the cause of the last three incidents, so the engineer spent 25 minutes on the provider before checking our own database."),
        ("Resolution. At 19:14 a database engineer joined the call and identified the long-running loyalty job from the database's active query list. Killing the job's queries released the locks at 19:31, but the payments service did not recover on its own because its connection pool kept handing out connections that had been closed on the database side. A rolling restart of the payments service, finished at 19:57, restored checkout.",
         "The locking job was found and killed at 19:31, but checkout only recovered after a rolling restart of the payments service at 19:57.",
         "At 19:14 a database engineer spotted the loyalty job in the active query list. Killing its queries freed the locks at 19:31, but the payments service kept using stale connections and only recovered after a rolling restart finished at 19:57."),
        ("What went well. The alert fired quickly. Once the right people were involved, the cause was found within minutes. The restart procedure worked as documented. Support had a holding reply ready and published it within ten minutes of being told about the incident.",
         "Fast alerting, quick diagnosis once the right people joined, a working restart procedure and a prompt support reply went well.",
         "What went well: fast alerting, quick diagnosis once the right people joined, a restart procedure that worked as documented, and a support holding reply sent within ten minutes."),
        ("What went poorly. Batch jobs and customer-facing transactions share one database with no isolation. The code review for the loyalty job change did not catch the removed filter, and the job has no test that checks how many rows it touches. The alert text encouraged a wrong assumption. The status page update depended on one person who was busy debugging. And the payments service cannot recover from a database connection problem without a restart.",
         "Weaknesses: no isolation between batch jobs and checkout, a missed review, misleading alert text, a single person responsible for status updates, and no automatic connection recovery.",
         "What went poorly: batch jobs share the checkout database with no isolation; review missed the removed filter and no test checks how many rows the job touches; the alert text pointed the wrong way; status updates depended on one busy person; and payments can't recover from connection problems without a restart."),
        ("Action items. (1) Move the loyalty job and other batch work to a read replica or a separate database, owner: data platform, due 30 April. (2) Add a row-count guard that aborts the job if it would touch more than 5% of orders, owner: loyalty team, due 22 March. (3) Rewrite the checkout alert to list recent database and deploy events instead of guessing a cause, owner: SRE, due 29 March. (4) Make the incident commander role responsible for the status page within 15 minutes, owner: support operations, due 29 March. (5) Enable connection validation in the payments service pool so it drops dead connections, owner: payments team, due 5 April.",
         "Five actions with owners and dates: isolate batch jobs, add a row-count guard, fix the alert text, make status updates the incident commander's job, and validate pool connections.",
         "Actions: (1) move batch jobs off the checkout database, data platform, 30 April; (2) abort the loyalty job if it would touch over 5% of orders, loyalty team, 22 March; (3) rewrite the checkout alert to show recent database and deploy events, SRE, 29 March; (4) make the incident commander update the status page within 15 minutes, support operations, 29 March; (5) validate pooled connections, payments team, 5 April."),
        ("This review is blameless. The engineer who merged the change followed our process, and the reviewer approved a diff in which the removed line looked like a harmless cleanup. The lesson is about the system: a single background job should never be able to take down checkout, whatever mistake is made in it.",
         "The review is blameless: the failure was in the system, which let one background job take down checkout.",
         "This review is blameless. Both the author and the reviewer followed our process, and the removed line looked like harmless cleanup. The lesson is that no single background job should be able to take down checkout."),
    ]},
    {"title": "Why our street needs a tool library", "kind": "community newsletter article", "paras": [
        ("Most of us own a drill. According to a figure that gets passed around a lot, the average household drill is used for somewhere between six and thirteen minutes in its whole life. Whatever the exact number, anyone who has opened a garage on our street knows the pattern: ladders, hedge trimmers, pressure washers and tile cutters, each bought for one job and then stored for years.",
         "Household tools like drills are bought for one job and then sit unused for years.",
         "Most of us own a drill that gets used for a few minutes in its whole life. Look in any garage on our street and you'll find ladders, hedge trimmers and tile cutters bought for one job and then stored for years."),
        ("A tool library turns that around. Members borrow what they need for a few days, the way you would borrow a book, and bring it back for the next person. Libraries like this already run in dozens of towns. Some are attached to public libraries, some are run by volunteers out of a shipping container, and a few have grown into proper workshops with classes.",
         "A tool library lets members borrow tools like library books, and the model already works in many towns.",
         "A tool library fixes that. Members borrow a tool for a few days, like a library book, and return it for the next person. Dozens of towns already have one, from volunteer-run shipping containers to full workshops with classes."),
        ("The benefits go beyond saving money, although that matters too: a decent pressure washer costs more than many families want to spend for one spring clean. Sharing means fewer things manufactured and thrown away, less clutter in small homes, and access to better-quality tools than most of us would buy for ourselves. Renters, who often have no storage space at all, benefit the most.",
         "Beyond saving money, sharing tools cuts waste and clutter and gives people, especially renters, access to better equipment.",
         "It saves money, since few families want to buy a pressure washer for one spring clean. It also means less waste and clutter and access to better tools than most of us would buy. Renters with no storage gain the most."),
        ("There is also a social side that surprised the organisers of the library in the next town over. Borrowers started asking each other for advice, then for help. Within a year they were running monthly repair afternoons where people brought broken lamps, bikes and chairs, and more experienced neighbours showed them how to fix them. Several members told them it was the first time they had spoken to people on the next street.",
         "A nearby tool library grew into monthly repair afternoons and brought neighbours together.",
         "There's a social side too. In the next town over, borrowers began swapping advice, then helping each other, and within a year they ran monthly repair afternoons for broken lamps, bikes and chairs. Some members said it was the first time they'd met people from the next street."),
        ("Here is what we are proposing. The parish hall has offered us the old storage room behind the kitchen, rent-free for the first year. We would open on Saturday mornings and Wednesday evenings, staffed by volunteers on a rota. Membership would cost $20 a year, with free membership for anyone who asks for it, no questions asked. Every tool would be logged, checked after each return and given a simple safety note.",
         "The plan: a rent-free room in the parish hall, open two sessions a week, $20 yearly membership (free on request), and safety checks on every tool.",
         "Our proposal: the parish hall's old storage room, rent-free for a year, open Saturday mornings and Wednesday evenings with volunteer staff. Membership $20 a year, free for anyone who asks. Every tool logged, checked on return and labelled with a safety note."),
        ("We will need three things to get started. First, tools: we are asking for donations of anything in good working order, and we have a small grant from the residents' association to buy the items people are least likely to have. Second, volunteers: about twelve people who can each give two or three hours a month. Third, a little patience while we work out the rules, because the first few months will involve some trial and error.",
         "To launch, the library needs donated tools, about twelve volunteers giving a few hours a month, and patience during the early months.",
         "To start we need three things: donated tools in working order (a small residents' association grant covers the gaps), about twelve volunteers giving two or three hours a month, and some patience while we settle the rules."),
        ("Some people have asked about insurance and what happens if a tool is damaged. The parish hall's policy covers the room and the stock. Borrowers will sign a short agreement accepting responsibility for using tools safely. Normal wear and tear is expected and costs nothing; if something is clearly misused, we will ask for a contribution toward repair, but we are not going to chase anyone over a blunt saw blade.",
         "Insurance is covered by the hall's policy, borrowers sign a simple safety agreement, and only clear misuse would lead to a repair charge.",
         "On insurance: the hall's policy covers the room and the tools, and borrowers sign a short safety agreement. Wear and tear is free; only clear misuse means a repair contribution, and nobody will be chased over a blunt saw blade."),
        ("If you would like to help, come to the planning meeting in the parish hall on Tuesday 8 October at 7pm, or drop a note through the door of number 14. Bring a tool to donate if you have one, and bring a neighbour. The more of us share, the less each of us needs to own.",
         "Readers are invited to the 8 October planning meeting or to contact number 14, ideally bringing a tool and a neighbour.",
         "Want to help? Come to the planning meeting at the parish hall on Tuesday 8 October at 7pm, or drop a note at number 14. Bring a tool to donate, and a neighbour."),
    ]},
    {"title": "Offline mode for the inspection app", "kind": "product spec", "paras": [
        ("Background. Field inspectors use the app to complete safety inspections at construction sites, many of which have poor or no mobile coverage, especially basements and rural sites. Today the app needs a connection to load an inspection form and to submit it. Inspectors work around this by writing notes on paper and typing them in later, which doubles the work and causes transcription errors. In the last customer survey, offline support was the most requested feature by a wide margin.",
         "Inspectors often work without coverage, so they fall back to paper; offline support is the top customer request.",
         "Inspectors often work where there's no mobile coverage, such as basements and rural sites. The app needs a connection to load and submit forms, so they take paper notes and retype them, doubling work and introducing errors. Offline support is the top customer request."),
        ("Goal. An inspector should be able to start, complete and submit an inspection with no connection at all, as long as they opened the app while online at some point in the previous seven days. Submissions made offline are queued and sent automatically when a connection returns. The inspector should always be able to see which inspections are waiting to sync.",
         "Inspectors must be able to complete and queue inspections fully offline for up to seven days, with clear sync status.",
         "Goal: inspectors can start, complete and submit an inspection with no connection, provided they were online within the last seven days. Offline submissions queue and send automatically when a connection returns, and the inspector can always see what's waiting to sync."),
        ("Non-goals. This release will not support creating new sites or editing form templates offline; those remain online-only admin tasks. We will not attempt real-time collaboration on the same inspection from two devices. Photo annotation offline is out of scope for the first release, although capturing photos is in scope.",
         "Creating sites, editing templates, real-time collaboration and offline photo annotation are out of scope.",
         "Out of scope: creating sites or editing form templates offline, two people editing one inspection at once, and offline photo annotation (capturing photos offline is in scope)."),
        ("Data to cache. When the app is opened online, it downloads the inspector's assigned sites for the next 14 days, the current versions of all form templates those sites use, and reference lists such as hazard categories and contractor names. We estimate this at 5 to 20 MB per inspector, plus photos of previous inspections, which we will only cache for sites scheduled in the next three days to keep storage reasonable.",
         "The app caches 14 days of assigned sites, their templates and reference lists (5–20 MB), plus recent photos for sites due in the next three days.",
         "When online, the app caches the inspector's sites for the next 14 days, their form templates and reference lists such as hazard categories (about 5–20 MB). Photos from previous inspections are cached only for sites due in the next three days."),
        ("Sync and conflicts. Each completed inspection is stored locally with a unique id generated on the device, so resubmitting it is harmless. When a connection is available, queued inspections upload oldest first, and photos upload after their inspection's form data, in the background. If a form template changed on the server while the inspector was offline, the submission is still accepted against the version they used, and the dashboard flags it so an administrator can review it.",
         "Offline submissions carry device-generated ids, upload oldest first with photos after, and are accepted even if the template changed meanwhile, with a flag for admins.",
         "Each inspection gets a device-generated id, so resubmitting is safe. Queued inspections upload oldest first, with photos following in the background. If the template changed while the inspector was offline, the submission is still accepted against the old version and flagged for an administrator."),
        ("User experience. A small banner at the top of the screen shows when the app is offline. Inspections waiting to sync show a clock icon in the list, and a badge on the menu shows the number waiting. If an inspection has failed to upload three times, the app tells the inspector in plain language and offers to retry or to export it as a PDF to send another way. We must never silently discard an inspection.",
         "The UI shows offline status, pending items and failed uploads clearly, with retry and PDF export, and never silently drops an inspection.",
         "A banner shows when the app is offline, pending inspections show a clock icon, and a menu badge counts them. After three failed uploads the app explains the problem in plain language and offers retry or PDF export. An inspection must never be silently discarded."),
        ("Security. Cached data is encrypted at rest using the platform keystore. If an inspector has not opened the app online for seven days, cached site data is deleted, but unsent inspections are kept until they are sent. Administrators can remotely revoke a device, which deletes all cached data the next time the app starts, after first trying to upload any unsent work.",
         "Cached data is encrypted, expires after seven days offline (except unsent work), and devices can be revoked remotely.",
         "Cached data is encrypted with the platform keystore. After seven days without going online, cached site data is deleted, but unsent inspections are kept. Administrators can revoke a device remotely; the app first tries to upload unsent work, then deletes its cache."),
        ("Success measures. Within three months of release, we expect the share of inspections started with no connection to rise from near zero to at least 25%, the average time between an inspection's completion and its arrival on the server to stay under two hours, and zero reported cases of lost inspections. We will also repeat the survey question about paper notes.",
         "Success means at least 25% of inspections started offline, sync under two hours on average, and no lost inspections within three months.",
         "Within three months we expect at least 25% of inspections to start offline, completed inspections to reach the server within two hours on average, and no lost inspections. We'll repeat the survey question about paper notes."),
        ("Open questions. How should we handle an inspector who is reassigned while offline? Do customers need a setting to turn offline mode off for compliance reasons? What is the maximum number of photos per inspection we support offline before storage becomes a problem on older phones? Engineering has proposed 200; the field team thinks some inspections need more.",
         "Open questions cover offline reassignment, a possible compliance switch to disable offline mode, and the offline photo limit (200 proposed).",
         "Open questions: what happens if an inspector is reassigned while offline? Do customers need to be able to disable offline mode for compliance? How many photos per inspection can older phones store offline? Engineering proposes 200; the field team thinks some inspections need more."),
    ]},
    {"title": "Hybrid work guidelines", "kind": "HR policy", "paras": [
        ("Purpose. These guidelines explain how hybrid working works at our company: when we expect people in the office, how we decide that, and what support is available for working from home. They apply to all permanent and fixed-term employees except roles that can only be done on site, such as lab and facilities staff, whose managers will agree arrangements with them directly.",
         "The guidelines set out office expectations and home-working support for all staff except on-site roles.",
         "These guidelines explain when we expect people in the office, how that's decided, and what support exists for home working. They cover all permanent and fixed-term staff, except on-site roles such as lab and facilities, whose managers agree arrangements directly."),
        ("Office days. Each team agrees two anchor days per week when everyone in the team is expected in the office, unless they are on leave, travelling or have an agreed exception. Teams choose their anchor days together and publish them on the team page. We picked team-level anchor days rather than a company-wide rule because collaboration mostly happens within teams, and a single rule would overload the building on some days and leave it empty on others.",
         "Each team sets two shared anchor days a week in the office, chosen at team level to spread building use.",
         "Each team agrees two anchor days a week when everyone is in the office, barring leave, travel or an agreed exception, and publishes them on the team page. We chose team-level days because collaboration happens mostly within teams and one company-wide rule would overcrowd some days and empty others."),
        ("Other days. Outside anchor days, people can work from home or the office as suits their work. We ask everyone to keep their calendar up to date with their location so colleagues know whether an in-person conversation is possible. Managers should not informally add extra office days; if a team needs more time together, for example during a launch, it should be agreed openly and time-limited.",
         "Other days are flexible, calendars should show location, and any extra office days must be agreed openly and for a limited time.",
         "On other days, work from home or the office as suits you, and keep your calendar location up to date. Managers shouldn't informally add office days; if a team needs more time together, such as during a launch, agree it openly and for a limited period."),
        ("Working hours. Our core collaboration hours are 10:00 to 15:00 local time. Outside those hours, people may arrange their day flexibly as long as their work gets done and they are reachable in the ways their role requires. Nobody is expected to answer messages outside their working hours, and we encourage the use of scheduled send for messages written late in the evening.",
         "Core hours are 10:00–15:00; otherwise days are flexible and nobody must answer messages out of hours.",
         "Core hours are 10:00 to 15:00 local time. Outside them, arrange your day as you like, provided the work gets done and you're reachable as your role requires. Nobody has to answer messages out of hours; please use scheduled send for late-evening messages."),
        ("Equipment. Everyone working from home receives a laptop, a monitor, a keyboard and mouse, and a headset. Employees can claim up to $400 once every three years toward a desk or chair, with a receipt. We do not pay home internet or electricity costs, but people who would have difficulty working from home can use the office on any day, and should talk to their manager if their home setup is a barrier.",
         "Staff get standard equipment plus up to $400 every three years for furniture; home utility costs are not covered.",
         "Home workers receive a laptop, monitor, keyboard, mouse and headset, and can claim up to $400 every three years for a desk or chair. We don't cover internet or electricity, but anyone who struggles to work from home can use the office any day and should raise it with their manager."),
        ("Working from another location. Working from somewhere other than your home address for up to four weeks a year within the country is fine with your manager's agreement. Working from another country, even briefly, has tax, immigration and data protection implications, so it needs approval from People Operations at least four weeks in advance. Some countries are not possible at all for legal reasons.",
         "Up to four weeks a year elsewhere in the country needs manager approval; working abroad needs People Operations approval four weeks ahead.",
         "Working away from home within the country is fine for up to four weeks a year with your manager's agreement. Working abroad, even briefly, needs People Operations approval at least four weeks ahead because of tax, immigration and data rules, and some countries aren't possible."),
        ("Exceptions. Anyone can ask for an exception to the anchor-day expectation, for example because of caring responsibilities, health, or a long commute. Requests go to the manager, who should respond within two weeks, and can be escalated to People Operations. Exceptions are reviewed once a year, or sooner if circumstances change. We will not ask for more personal detail than is needed to make a decision.",
         "Anyone can request an exception to anchor days; managers reply within two weeks, with escalation and yearly review.",
         "Anyone may ask for an exception to anchor days, for caring, health, commuting or other reasons. Managers respond within two weeks, and requests can be escalated to People Operations. Exceptions are reviewed yearly or when things change, and we'll ask only for the detail we need."),
        ("Review. We will review these guidelines after six months using office occupancy data, a short staff survey and feedback from managers. Occupancy data is only reported at team and building level and is never used to monitor individuals.",
         "The guidelines will be reviewed after six months using aggregate occupancy data and surveys, never individual monitoring.",
         "We'll review these guidelines after six months using occupancy data, a staff survey and manager feedback. Occupancy data is reported only at team and building level, never for individuals."),
    ]},
    {"title": "Reading buddies grant proposal", "kind": "grant application", "paras": [
        ("Project summary. Reading Buddies pairs volunteer adults with children aged seven to nine who are behind in reading, for two 30-minute sessions a week in the school library during the school day. We have run the programme in two primary schools for the past three years. This proposal asks for $48,000 over two years to extend it to four more schools in the district and to pay a part-time coordinator.",
         "Reading Buddies pairs volunteers with struggling young readers twice a week and seeks $48,000 to expand to four more schools with a part-time coordinator.",
         "Reading Buddies pairs adult volunteers with seven- to nine-year-olds who are behind in reading, for two 30-minute sessions a week in the school library. After three years in two schools, we're requesting $48,000 over two years to reach four more schools and fund a part-time coordinator."),
        ("The need. In the district's most recent assessments, around a third of children in Year 3 were reading below the expected level, and the figure was higher in the four schools we propose to join. Teachers tell us the children who fall behind at this age are the ones who begin to avoid reading altogether. What they lack is not ability but practice: time reading aloud to an attentive adult who can help with a difficult word without making them feel slow.",
         "About a third of Year 3 children read below the expected level, and what they most lack is regular, supportive practice with an adult.",
         "About a third of Year 3 children in the district read below the expected level, more in our four target schools. Teachers say children who fall behind now start avoiding reading. They don't lack ability; they lack practice reading aloud to a patient adult."),
        ("How it works. Teachers nominate children. Each child is matched with the same volunteer for a full school year, which we have found matters more than any particular method: children read more, and more willingly, to someone they know. Volunteers receive a three-hour training session on listening to readers, asking questions about the story and choosing books at the right level, plus a short refresher each term. Sessions use books from the school library and a small collection we buy each year based on what children ask for.",
         "Teachers nominate children, each paired with one trained volunteer for a full year, reading library books and ones the children request.",
         "Teachers nominate children, and each child keeps the same volunteer for the whole year, which matters more than any method. Volunteers get three hours of training in listening to readers, asking about the story and choosing books at the right level, plus a termly refresher. Sessions use library books and a collection chosen from the children's requests."),
        ("Results so far. Over three years, 112 children have taken part. Of those who completed a full year, 78% improved by at least one reading level more than their school's average for the same period, measured by the school's own termly assessments. Teachers also report changes that are harder to measure: children volunteering to read in class, and borrowing library books for the first time. We are cautious about these figures because the groups are small and the children were not randomly selected.",
         "Of 112 children, 78% of full-year participants outpaced their school's average progress, with caveats about small, non-random groups.",
         "So far 112 children have taken part. Of those completing a full year, 78% improved at least one reading level more than their school's average, on the schools' own assessments. Teachers also see children volunteering to read aloud and borrowing books. The groups are small and not randomly chosen, so we treat these results with caution."),
        ("Volunteers. Our 46 current volunteers include retired teachers, parents whose own children have grown up, university students and employees of two local businesses that give staff paid volunteering time. All volunteers are vetted through the standard safeguarding checks before they start, and sessions always take place in a shared space with school staff nearby. About 70% of volunteers return for a second year.",
         "46 vetted volunteers from varied backgrounds run sessions in supervised spaces, and 70% return each year.",
         "Our 46 volunteers include retired teachers, parents, students and staff from two local businesses that offer paid volunteering time. All pass standard safeguarding checks, sessions happen in shared spaces near school staff, and about 70% return for a second year."),
        ("Why we need a coordinator. Until now the programme has been run by two unpaid founders, which worked for two schools but will not work for six. The coordinator, working 15 hours a week, would recruit and train volunteers, manage the matching, keep attendance records and be the single contact for each school. Schools have told us that a named, reliable contact is the main thing that would make them confident to take part.",
         "Growing from two to six schools requires a paid coordinator (15 hours a week) to recruit, train, match and liaise with schools.",
         "Two unpaid founders have run the programme so far, which can't scale from two schools to six. A 15-hour-a-week coordinator would recruit and train volunteers, handle matching and attendance, and be each school's single contact, which schools say is what would persuade them to join."),
        ("Budget. Of the $48,000 requested, $36,000 covers the coordinator's salary over two years; $5,000 covers volunteer training, background checks and travel expenses; $4,500 buys books for the six schools; and $2,500 covers an independent evaluation in the second year by the university's education department, which has agreed to design a simple comparison with children on the waiting list.",
         "The budget: $36,000 coordinator, $5,000 volunteer costs, $4,500 books and $2,500 for an independent evaluation.",
         "Budget: $36,000 for the coordinator over two years; $5,000 for volunteer training, checks and travel; $4,500 for books across six schools; $2,500 for a second-year independent evaluation by the university's education department, comparing participants with wait-listed children."),
        ("Sustainability. Both existing schools now contribute $1,500 a year from their own budgets, and the four new schools have agreed to do the same from the second year. Together with a small annual appeal to local businesses, this would cover the coordinator's post beyond the grant period. The evaluation will also give us the evidence we need to approach larger funders.",
         "School contributions and a local appeal will sustain the coordinator after the grant, and the evaluation will support bids to larger funders.",
         "Both current schools pay $1,500 a year, and the four new ones will from year two. With a small annual appeal to local businesses, that funds the coordinator after the grant ends, and the evaluation will help us approach larger funders."),
    ]},
]

SUMMARY_ASKS = [
    "Summarize this:\n\n{text}",
    "Can you summarise the following {kind} in a few bullet points?\n\n{text}",
    "tl;dr please\n\n{text}",
    "I don't have time to read all of this before my meeting. What are the key points?\n\n\"\"\"\n{text}\n\"\"\"",
    "{text}\n\nSummarize the above for a busy executive.",
    "Give me the main takeaways from this {kind}:\n\n{text}",
]
TIGHTEN_ASKS = [
    "Can you make this more concise without losing any of the facts?\n\n{text}",
    "Rewrite this to be clearer and shorter:\n\n{text}",
    "Please edit the following for clarity. Keep my tone.\n\n{text}",
    "This is a draft of {a_kind}. It feels wordy. Can you tighten it up?\n\n---\n{text}\n---",
    "{text}\n\nCan you rewrite that so it reads better? It's going out tomorrow.",
]
QUESTION_ASKS = [
    "{text}\n\nBased on this, what questions should I ask the author before our review meeting?",
    "Here's {a_kind} I've been asked to comment on:\n\n{text}\n\nWhat would be three good questions to ask about it?",
    "Read this and tell me what's missing or unclear.\n\n{text}",
]
# Hand-written answers to QUESTION_ASKS, by document title.
DOC_QUESTIONS = {
    "Q2 operations update": """A few questions worth asking:

1. **Returns capacity:** the backlog was caused by returns growing faster than orders. What returns rate are you planning for in Q3 and peak season, and does the new scan-and-refund process have a fraud or abuse check for low-value items?
2. **Agency costs:** how much did agency forklift cover cost this quarter in total, and what saving do you expect once the eight staff are certified? When will they be certified?
3. **Migration lessons:** the label problem was only found in the final test run. What will you change so similar issues surface earlier in future system changes?

It would also help to see the budget overrun split into migration and backlog overtime, since the memo says finance will only separate them from now on.""",
    "Postmortem: checkout outage": """Good questions to raise:

1. **Why could one job exhaust the pool?** Do the payments service and batch jobs share the same database user and connection limits? Even before the move to a replica, could the batch job get its own small pool or a statement timeout?
2. **Review and testing:** what kind of test would have caught the removed filter? Is the 5% row-count guard going to be a general pattern for other batch jobs, or just this one?
3. **Recovery time:** 26 minutes passed between killing the queries and checkout recovering. Is connection validation enough, or should the service also have a health check that triggers restarts automatically?

I'd also ask whether the revenue estimate accounts for customers who gave up and bought elsewhere, and who is checking that the action items are actually done by their dates.""",
    "Why our street needs a tool library": """Some questions the organisers should be ready for:

1. **Who is in charge?** Is there a named coordinator or committee, and what happens if volunteers drop off after the first few months?
2. **Lost or unreturned tools:** what's the process if someone keeps a tool for weeks or it goes missing? Is there a deposit for expensive items?
3. **After year one:** the room is rent-free for the first year only. What happens after that, and would $20 memberships cover rent?

It might also be worth asking how tools will be booked (first come, first served, or reservations) and whether any training is planned for riskier equipment such as chainsaws or tile cutters.""",
    "Offline mode for the inspection app": """Questions I'd want answered:

1. **Reassignment and duplicates:** if an inspection is reassigned while the original inspector is offline and both complete it, which one wins, and how is the conflict shown?
2. **Storage limits:** what happens when the phone runs out of space mid-inspection? Is there a warning before an inspector starts a photo-heavy inspection offline?
3. **Seven-day window:** what does an inspector see if they try to work offline on day eight? Is there a warning before the cache expires?

Also missing: how the success measures will be collected (offline starts need to be logged locally and uploaded), and whether customers have been asked about the compliance setting.""",
    "Hybrid work guidelines": """A few points that aren't clear yet:

1. **Anchor days across teams:** how are anchor days coordinated for people who work across several teams, or for managers of multiple teams?
2. **Time zones:** core hours are "local time". How does that work for teams spread across time zones?
3. **Enforcement:** what happens if someone regularly misses anchor days without an agreed exception, and who decides?

It would also help to say how the equipment allowance works for part-time staff and how new starters request equipment before their first day.""",
    "Reading buddies grant proposal": """Questions a funder is likely to ask:

1. **Evidence:** the 78% figure compares participants with school averages, not with similar children. How will the second-year evaluation handle the fact that nominated children may differ from the waiting list?
2. **Volunteer supply:** going from two schools to six roughly triples the number of volunteers needed. Where will the extra volunteers come from, and how long does vetting take?
3. **Coordinator risk:** what happens to the programme if the coordinator leaves, given the founders are unpaid?

A funder may also want to know how children who don't complete a full year are counted, since the results only cover those who did.""",
}

# ============================================================== e-mail drafting
# Each scenario: ways users ask, an optional incoming e-mail they paste, a subject, and a full and a
# short version of the reply. Slots in braces are filled from the name and date pools below.

FIRST_NAMES = ["Priya", "Tom", "Aisha", "Marcus", "Elena", "Kenji", "Sofia", "David", "Grace", "Omar", "Hannah",
               "Luis", "Mei", "Jonas", "Fatima", "Ben", "Chloe", "Raj", "Ingrid", "Samuel", "Nadia", "Patrick"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
DATES = ["3 June", "14 June", "21 June", "2 July", "16 July", "6 August", "19 September", "1 October", "24 October",
         "12 November"]
PROJECTS = ["the website redesign", "the Q3 budget", "the vendor migration", "the customer survey", "the onboarding guide",
            "the Atlas integration", "the spring campaign", "the data warehouse move"]

EMAILS = [
    {"asks": ["Write an email to my manager {to} asking for {day} off next week for a medical appointment.",
               "draft a short email to {to} (my boss) requesting a day off on {day}, it's for a doctor's appointment"],
         "subject": "Day off request: {day}",
         "full": "Hi {to},\n\nI'd like to request a day off next {day} for a medical appointment. I'll make sure my current tasks are up to date before then, and I'll let the team know so nothing is blocked while I'm out. If anything urgent comes up on {project}, I can check messages briefly in the afternoon.\n\nPlease let me know if that works.\n\nThanks,\n{me}",
         "short": "Hi {to},\n\nCould I take next {day} off for a medical appointment? My work will be up to date before then.\n\nThanks,\n{me}"},
    {"asks": ["Help me write a polite follow-up email to a client, {to}, who hasn't paid an invoice that was due on {date}.",
               "I need to chase a client about an overdue invoice (due {date}). Client contact is {to}. Can you write something firm but friendly?"],
         "subject": "Invoice due {date}: friendly reminder",
         "full": "Hi {to},\n\nI hope you're well. I'm writing about our invoice, which was due on {date}. According to our records it hasn't been paid yet, so I wanted to check whether it reached the right person or whether anything is holding it up.\n\nI've attached a copy for convenience. If it has already been paid, please ignore this message, and if you could send the payment reference I'll match it on our side.\n\nIf there's a problem with the invoice itself, just let me know and we can sort it out quickly. Otherwise, we'd appreciate payment within the next seven days.\n\nThanks very much,\n{me}",
         "short": "Hi {to},\n\nA quick reminder that our invoice due on {date} is still outstanding. I've attached a copy. Could you let me know when we can expect payment, or if anything is holding it up?\n\nThanks,\n{me}"},
    {"asks": ["Write an email declining a job offer from {company}. I accepted another offer but I'd like to keep the door open.",
               "how do i turn down a job offer nicely? company is {company}, recruiter's name is {to}. want to stay on good terms"],
         "subject": "Job offer",
         "full": "Dear {to},\n\nThank you very much for offering me the position at {company}, and for the time you and the team spent with me during the interviews. I enjoyed learning about your work and the people I met.\n\nAfter a lot of thought, I've decided to accept another offer that is a closer fit for where I want to take my career right now. It was a difficult decision, because I was impressed by {company} and by the team.\n\nI'd be glad to stay in touch, and I hope our paths cross again in the future.\n\nWith thanks and best wishes,\n{me}",
         "short": "Dear {to},\n\nThank you for the offer and for your time during the process. After careful thought I've accepted another role, but I enjoyed meeting the team and would be glad to stay in touch.\n\nBest wishes,\n{me}"},
    {"asks": ["Write an email to the team announcing that {to} is joining us as a senior designer on {date}.",
               "need a short welcome announcement for a new hire, {to}, starting {date} as senior designer. upbeat but not cheesy"],
         "subject": "Welcome {to} to the team",
         "full": "Hi everyone,\n\nI'm happy to share that {to} is joining us as a Senior Designer on {date}.\n\n{to} comes to us with eight years of experience in product design, most recently leading the design of a booking platform used by thousands of small businesses. They'll start by working with the product team on {project}, and will help us build out our design system over the coming months.\n\nPlease say hello when you see them, and if you're in the office on their first day, join us for lunch in the kitchen at 12:30.\n\nWelcome, {to}!\n\n{me}",
         "short": "Hi everyone,\n\nPlease welcome {to}, who joins us as Senior Designer on {date}. They'll start on {project}. Say hello when you see them!\n\n{me}"},
    {"asks": ["Can you write an email to a landlord ({to}) about a leaking kitchen tap that's been dripping for two weeks?",
               "email to my landlord {to}: kitchen tap has been leaking for 2 weeks, I reported it by phone already but nothing happened"],
         "subject": "Repair request: leaking kitchen tap",
         "full": "Dear {to},\n\nI'm writing to follow up on the leaking kitchen tap I reported by phone. It has now been dripping constantly for about two weeks, and the leak seems to be getting worse. Water is collecting in the cupboard under the sink, and I'm worried it may damage the unit or the floor.\n\nCould you please arrange for a plumber to look at it? I'm available to let them in most weekdays after 4pm, or on {day} morning, and I'm happy to fit in with whatever works best.\n\nCould you confirm by the end of the week when the repair will be done? I've attached a photo of the tap and the cupboard.\n\nThank you,\n{me}",
         "short": "Dear {to},\n\nFollowing up on my call: the kitchen tap has been leaking for two weeks and water is now getting into the cupboard. Could you arrange a plumber this week? I'm available weekdays after 4pm.\n\nThanks,\n{me}"},
    {"asks": ["Write a reply to this email. I want to say yes but push the deadline to {date}.",
               "Help me reply to this. Tell them I can do it but not by Friday, {date} at the earliest."],
         "incoming": "Hi,\n\nHope your week is going well! We're pulling together the materials for the board pack and it would be great to include a short section from your team on {project}: maybe one page on progress to date, the main risks and what you need from leadership. Could you get something to me by Friday? Happy to share the template we used last quarter.\n\nMany thanks,\n{to}",
         "subject": "Re: Board pack section",
         "full": "Hi {to},\n\nThanks for thinking of us. Happy to contribute a page on {project}. Please do send over last quarter's template so the format matches.\n\nFriday is going to be tight for us because we're in the middle of a release, so I don't want to rush it and give the board something thin. Could we aim for {date} instead? If that doesn't work with your timeline, I can send a short draft of the progress section by Friday and follow up with the risks and asks afterwards.\n\nLet me know which you'd prefer.\n\nBest,\n{me}",
         "short": "Hi {to},\n\nHappy to write the page on {project}. Please send the template. Friday is tight because of a release; could I send it by {date}? If not, I can share a partial draft on Friday.\n\nBest,\n{me}"},
    {"asks": ["Reply to this customer complaint. Apologise and offer to replace the item.",
               "Can you draft a response to this? We're going to send a replacement."],
         "incoming": "To whom it may concern,\n\nI ordered a ceramic table lamp from your shop on {date} and it arrived today with the base cracked in two places. The box didn't look damaged, so I suspect it wasn't packed properly. This was meant to be a birthday present and now I have nothing to give. I'm honestly quite disappointed, given the price.\n\nWhat are you going to do about this?\n\n{to}",
         "subject": "Re: Damaged lamp",
         "full": "Dear {to},\n\nThank you for letting us know, and I'm very sorry your lamp arrived damaged, especially when it was meant to be a birthday present. That's not the experience we want anyone to have.\n\nWe'll send you a replacement lamp straight away at no cost, by express delivery, so it should reach you within two working days. You don't need to return the damaged one; please dispose of it safely, as the broken ceramic may have sharp edges.\n\nIf you could reply with a photo of the damage, it would help us improve our packaging, but it isn't needed for the replacement.\n\nAgain, I'm sorry for the disappointment, and thank you for your patience.\n\nKind regards,\n{me}\nCustomer Care",
         "short": "Dear {to},\n\nI'm very sorry your lamp arrived broken. We're sending a replacement by express delivery today at no cost, and you don't need to return the damaged one.\n\nKind regards,\n{me}"},
    {"asks": ["I need to tell a vendor ({to}) that we're not renewing our contract. Keep it professional.",
               "write email to vendor contact {to} saying we won't renew the contract when it ends {date}"],
         "subject": "Contract renewal",
         "full": "Dear {to},\n\nI'm writing to let you know that we've decided not to renew our contract when the current term ends on {date}.\n\nThis decision follows a review of our tooling as part of {project}, and isn't a reflection of the service your team has provided. We appreciate the support you've given us over the past two years, particularly during our busy periods.\n\nTo make the transition smooth, could you confirm the steps for exporting our data and the date our access will end? We'd also like to make sure any outstanding invoices are settled before the end of the term.\n\nThank you again for working with us.\n\nBest regards,\n{me}",
         "short": "Dear {to},\n\nWe've decided not to renew our contract when it ends on {date}. Thank you for your support. Could you send the steps for exporting our data and confirm when access ends?\n\nBest regards,\n{me}"},
    {"asks": ["Write a thank-you email to {to} for mentoring me over the last year. They're moving to another company.",
               "help me write a thank you note to my mentor {to} who's leaving"],
         "subject": "Thank you",
         "full": "Hi {to},\n\nNow that your last day is coming up, I wanted to say a proper thank you for everything over the past year.\n\nOur monthly conversations made a real difference to me. You helped me prepare for my first presentation to the leadership team, pushed me to take on {project} when I wasn't sure I was ready, and gave me honest feedback when I needed it. I still use your advice about writing down the decision before the meeting, not after.\n\nYour new team is lucky to have you. I'd love to stay in touch, and if you ever need a favour, I owe you several.\n\nWith thanks,\n{me}",
         "short": "Hi {to},\n\nBefore you go, thank you for mentoring me this year. Your advice, especially on {project}, made a real difference. Your new team is lucky, and I hope we stay in touch.\n\n{me}"},
    {"asks": ["write an out of office message, I'm away {date} to {date2}, urgent things go to {to}",
               "Can you write my out-of-office reply? Away from {date} until {date2}. Contact {to} for anything urgent."],
         "subject": "Out of office",
         "full": "Hello,\n\nThank you for your message. I'm out of the office from {date} until {date2}, with limited access to email.\n\nFor anything urgent, please contact {to}, who will be happy to help. Otherwise I'll reply when I'm back.\n\nBest regards,\n{me}",
         "short": "I'm away from {date} to {date2}. For urgent matters please contact {to}; otherwise I'll reply when I'm back."},
    {"asks": ["Email to my team: the {day} standup is moving from 9:30 to 10:00 starting next week because of the new client calls.",
               "short note to the team that standup moves to 10am from next week"],
         "subject": "Standup moving to 10:00",
         "full": "Hi all,\n\nFrom next week, our daily standup will move from 9:30 to 10:00. The new client calls are booked for 9:00 and regularly run over, so the later slot means everyone can join without rushing.\n\nI've updated the calendar invite. The format stays the same: 15 minutes, blockers first.\n\nThanks,\n{me}",
         "short": "Hi all,\n\nFrom next week standup moves to 10:00 to avoid clashing with the client calls. The invite is updated.\n\n{me}"},
    {"asks": ["I made a mistake in a report I sent to the whole department yesterday (revenue figure was wrong, said 2.4M, should be 2.1M). Write a correction email.",
               "need to send a correction, the revenue number in yesterday's report was wrong. 2.4M should be 2.1M. how do I word it without making a big deal"],
         "subject": "Correction: revenue figure in yesterday's report",
         "full": "Hi all,\n\nA quick correction to the monthly report I sent yesterday: the revenue figure on page 2 should read **$2.1M**, not $2.4M. The error came from including a pending contract that hasn't been signed yet. The other figures in the report are unaffected.\n\nI've attached the corrected version. Apologies for any confusion, and please use this one if you're sharing the numbers further.\n\nThanks,\n{me}",
         "short": "Hi all,\n\nCorrection to yesterday's report: revenue should read $2.1M, not $2.4M. Everything else is unchanged. The corrected file is attached.\n\nThanks,\n{me}"},
    {"asks": ["Write a cold email to {to} at {company} asking for a 20 minute call about their experience with remote onboarding. I'm researching it for a blog post.",
               "cold outreach email: ask {to} from {company} for a short call about how they onboard remote employees, it's for an article I'm writing"],
         "subject": "20 minutes on remote onboarding?",
         "full": "Hi {to},\n\nI came across your talk on how {company} onboards remote hires, and the idea of a \"first-week buddy map\" stuck with me.\n\nI'm writing an article on what makes remote onboarding work, drawing on conversations with people who run it day to day. Would you be open to a 20-minute call in the next couple of weeks? I'd mainly like to hear what you tried that didn't work, which is the part that rarely gets written down.\n\nI'm happy to share the questions in advance and to send you the draft before it's published, so you can check anything I quote.\n\nThanks for considering it,\n{me}",
         "short": "Hi {to},\n\nI'm writing an article on remote onboarding and would love 20 minutes to hear how {company} approaches it. I can send questions in advance and share the draft before publishing.\n\nThanks,\n{me}"},
    {"asks": ["Write an email asking {to} in finance to approve a budget increase of $3,500 for {project}. Reason: the contractor estimate came in higher than planned.",
               "I need to ask finance ({to}) for an extra $3,500 on {project} because the contractor quote was higher than we budgeted. Can you draft it?"],
         "subject": "Budget increase request: {project}",
         "full": "Hi {to},\n\nI'd like to request an increase of $3,500 to the budget for {project}.\n\nWhen we set the budget in the spring, we estimated the contractor work at $12,000 based on an early conversation. The formal quote came in at $15,500, mainly because the work now includes migrating the old content, which we'd originally planned to do in-house but don't have capacity for this quarter.\n\nWe compared two other suppliers and their quotes were higher. Without the increase, we'd need to push the launch back to next quarter.\n\nI've attached the quote and the comparison. Happy to go through it on a call if that helps.\n\nThanks,\n{me}",
         "short": "Hi {to},\n\nCould we increase the {project} budget by $3,500? The contractor quote came in at $15,500 against our $12,000 estimate because it now includes content migration. Two alternative quotes were higher. Quote attached.\n\nThanks,\n{me}"},
]

COMPANIES = ["Brightwave", "Kestrel Labs", "Harbour & Finch", "Tallgrass Health", "Orbitly", "Meridian Foods", "Quillstone"]
SIGN_IT = ["Sign it from {me}.", "My name is {me}.", "It's from me, {me}.", "(I'm {me})"]
SENDERS = ["Alex", "Jordan", "Sam", "Maya", "Chris", "Leila", "Noah", "Tess"]

# ============================================================== follow-up turns

THANKS = [
    ("thanks!", "You're welcome! Let me know if anything else comes up."),
    ("perfect, that worked", "Great, glad it's working now."),
    ("Thank you so much, this is really helpful.", "Happy to help. Good luck with it!"),
    ("got it, thanks", "You're welcome!"),
    ("ok that makes sense now", "Glad it clicked. Feel free to ask if you hit anything else."),
    ("Brilliant, cheers", "Cheers! Shout if you need anything else."),
    ("thx", "Anytime!"),
]
# (prefix, lower-case the next word)
TOPIC_SWITCH = [("", False), ("", False), ("Different question: ", False), ("Unrelated, but ", True), ("Also, ", True),
                ("One more thing. ", False), ("Thanks. Now something else: ", False), ("new question. ", False)]

SHORTER_ASKS = ["Can you make it even shorter? Two sentences max.", "shorter please", "Now give me a one-line version for Slack."]
MORE_DETAIL_ASKS = ["Actually, can you rewrite the whole original text more concisely instead?",
                    "Thanks. Could you also do a tightened version of the full text? Same facts, fewer words."]
EMAIL_SHORTER = ["That's too long, can you cut it down?", "make it shorter", "Can you make it more to the point?"]
EMAIL_SUBJECT = ["What subject line should I use?", "good subject line for this?"]
CODE_TESTS_FOLLOW = ["Can you also write tests for it?", "nice. tests?", "Could you add some unit tests for the fixed version?"]
CODE_EXPLAIN_FOLLOW = ["Why was the original version wrong though? Can you explain what it was doing?",
                       "I'm still a bit confused about what the original code does. Can you explain it?"]
CODE_FIX_FOLLOW = ["ok so how do I fix it?", "Right. What's the best way to fix it?", "How would you rewrite it?"]

# ============================================================== long-form writing
# The long replies: stories, posts, speeches, study notes. (asks, reply)

LONG_WRITING = [
    (["Write a blog post about lessons learned from running a small online shop for a year. Friendly tone, around 600 words.",
      "I run a little online shop selling handmade candles. Can you write a blog post for our site about what we learned in our first year? Warm and honest."],
     """# What a Year of Running a Tiny Online Shop Taught Us

A year ago we pressed "publish" on our shop with eleven products, a borrowed camera and a lot of optimism. Twelve months, a few hundred orders and one memorable packaging disaster later, here is what we've learned. If you're thinking about starting something similar, we hope it saves you a few late nights.

## 1. Your first customers are your friends. Treat the next ones like friends too.

Our first twenty orders came from people who already knew us. That's normal, and it's lovely, but it tells you very little about whether strangers will buy. The turning point came when we started writing to every new customer personally, just a couple of lines to say thank you and ask how they found us. Many wrote back. Several became regulars, and their answers told us more about our marketing than any dashboard did.

## 2. Photos matter more than descriptions.

We spent weeks polishing product descriptions and about an hour on photos. It should have been the other way round. When we reshot our bestsellers in natural light, on a plain background, with one photo showing the product in a real room, sales of those items roughly doubled. People can't pick things up online, so the pictures have to do the job of their hands.

## 3. Shipping is a product, not an afterthought.

Our packaging disaster involved a heatwave, a delivery van and a box of melted pillar candles. We now ship in insulated mailers from June to August and tell customers why. It costs a little more, but complaints dropped to almost nothing. We also learned that customers are happy to wait a few extra days if you tell them honestly when their order will arrive. What frustrates people is silence.

## 4. Say no to most opportunities.

Markets, wholesale enquiries, collaborations, a marketplace that promised "huge exposure": we said yes to nearly everything in the first six months and ended up exhausted and behind on orders. Now we ask one question: will this help the customers we already have, or bring us more of the same kind? If not, we politely pass.

## 5. Know your numbers, even the boring ones.

For months we thought our best-selling candle was our most profitable. When we finally worked out the cost of every jar, wick, label and minute of labour, it turned out to be one of the least. We raised its price slightly, explained why in our newsletter, and nobody complained. A simple spreadsheet, updated every month, is now the most useful tool we have.

## 6. Rest is part of the business plan.

Running a shop from home means it's always there, on the kitchen table and in your inbox. We now close orders for one week in January and one in August, and we stopped answering messages after 8pm. The shop didn't suffer. We got better at it.

## What's next

This year we're adding a small range of refillable candles, because so many of you asked for a way to reuse the jars. We're also planning our first workshop, where you can pour your own candle and take it home.

Thank you to everyone who ordered, shared a photo, left a review or simply told a friend about us. A year ago this was an idea on the back of an envelope. You turned it into a shop."""),
    (["Write a short story about a lighthouse keeper who finds a message in a bottle. About 700 words.",
      "can you write me a short story? lighthouse keeper, message in a bottle, a bit melancholy but hopeful ending"],
     """Every morning for nineteen years, Ada Marsh walked the same loop: up the one hundred and twelve steps to check the lamp, down again to the kettle, out along the shingle to see what the night had brought in.

Usually it was rope, or plastic, or the bleached ribs of a crate. Once it had been a wooden horse from a child's carousel, its painted eye still bright. She kept that one on the windowsill.

The bottle arrived on a Tuesday in October, wedged between two stones as if someone had placed it there. It was green glass, thick and old, with a cork sealed in wax the colour of dried blood. Inside, rolled tight, was a sheet of paper.

Ada carried it home in both hands, the way you carry something that might spill.

She didn't open it straight away. She made tea, and drank it, and looked at the bottle on the table. In nineteen years she had found eleven messages. Nine had been from schoolchildren on a ferry trip, full of names and ages and exclamation marks. One had been an advertisement for a seaside hotel that no longer existed. One had been blank, which had troubled her for weeks.

When she finally worked the cork free, the paper smelled of salt and something else, something like cedar. The handwriting was careful and slightly old-fashioned.

*To whoever finds this,* it began. *My name is Thomas. I am writing from the cliffs above Port Ellery on the last day of my holiday. My wife and I came here every summer for forty years. This is the first summer I came alone. I don't expect anyone to read this. I only wanted to tell somebody that she loved this coast more than anywhere in the world, and that I am trying to learn how to love it without her.*

There was a date at the bottom. It was three years old.

Ada read it twice, then put it down and went up to the lamp, although it didn't need checking. From the gallery she could see the whole bay, the long grey arm of the headland, and beyond it, on a clear day, the white smudge of Port Ellery. Forty miles by road. Less by sea.

She thought about her own husband, Michael, who had kept the light with her for eleven years before the illness, and about the first winter after, when she had nearly handed in her notice. What had kept her was not courage. It was the lamp. It had to be lit every night whether she felt like it or not, and after a while the lighting became a kind of answer.

That evening she wrote a letter.

She didn't know Thomas's surname, so she addressed it to *Thomas, who wrote from the cliffs above Port Ellery*, care of the Port Ellery post office, and she enclosed a photograph of the bay at dawn, taken from the gallery. She told him where his bottle had landed. She told him about the wooden horse, and about Michael, and about the lamp. She told him that the coast he loved looked very fine this morning, and that she had thought of his wife when she saw it.

She didn't expect an answer.

It came six weeks later, in a fat envelope with three stamps. The postmistress at Port Ellery, it turned out, knew everybody, and Thomas Penrose, retired carpenter, had been easy to find. His letter was four pages long. He had cried, he said, when the postmistress handed it to him, and then he had laughed, because his wife had always told him that nobody ever found those bottles, and she had been wrong about so few things.

He asked if he might visit the lighthouse in the spring.

Ada wrote back that he might.

In April he came across on the morning boat, an old man in a good coat, carrying a box of tools because he had heard, he said, that lighthouses always needed something fixing. He was right. He stayed three days and mended the gate, two window frames and the loose step on the stair, the forty-third from the bottom, which had been loose for as long as Ada could remember.

On the last evening they climbed all one hundred and twelve steps together, slowly, and watched the lamp come on.

"She'd have liked this," Thomas said.

"Yes," Ada said. "I think she would."

The beam swept out across the water, the same as it had every night for a hundred years, looking for anyone who needed to find their way home."""),
    (["Explain how vaccines work in detail. I'm a nursing student and I want to really understand the immune response, not just the basics.",
      "how do vaccines actually train the immune system? please go into detail (I'm studying for a microbiology exam)"],
     """Here's a detailed walk-through of what happens after vaccination, organised the way exam questions usually approach it.

## 1. The goal: immunological memory without disease

A vaccine presents the immune system with **antigens**, molecules recognisable as belonging to a pathogen, in a form that can't cause the disease. The aim is to generate long-lived **memory B and T cells** so that a real infection later triggers a fast, strong *secondary* response instead of a slow primary one.

## 2. Types of vaccine (what the antigen looks like)

- **Live attenuated** (MMR, varicella): weakened organisms that replicate a little. They give strong, long-lasting immunity, including cell-mediated immunity, but are unsuitable for many immunocompromised patients.
- **Inactivated** (inactivated polio, hepatitis A): killed whole organisms. They're safer but usually need boosters.
- **Subunit, recombinant, conjugate and toxoid** (hepatitis B, HPV, Hib, tetanus): only specific proteins or polysaccharides. Conjugating a polysaccharide to a protein carrier recruits T-cell help, which matters for infants, who respond poorly to polysaccharides alone.
- **mRNA and viral vector** (several COVID-19 vaccines): deliver genetic instructions, so the patient's own cells produce the antigen for a short time.

## 3. Step by step: the primary response

1. **Innate activation.** At the injection site, the antigen and often an **adjuvant** (such as aluminium salts) trigger innate immune cells through pattern-recognition receptors. This creates local inflammation and "danger signals", which is why a sore arm is normal.
2. **Antigen uptake and presentation.** **Dendritic cells** take up the antigen, process it into peptides and migrate to the draining lymph node. There they present peptides on **MHC class II** to CD4+ T cells, and, for antigens made inside cells (live, mRNA and vector vaccines), on **MHC class I** to CD8+ T cells.
3. **T-cell activation.** Naive T cells whose receptor matches the peptide become activated (signal 1: antigen recognition; signal 2: co-stimulation, such as CD28 binding B7; signal 3: cytokines). CD4+ cells differentiate into helper subsets, importantly **T follicular helper (Tfh) cells**.
4. **B-cell activation.** B cells recognise intact antigen with their B-cell receptor, internalise it and present peptides to Tfh cells. With that help they either become short-lived plasma cells, which produce early, mostly IgM antibody, or enter **germinal centres**.
5. **Germinal centre reaction.** B cells proliferate and undergo **somatic hypermutation** and **affinity maturation**, so the ones with the best-binding antibodies are selected. They also **class-switch** from IgM to IgG (or IgA). This takes a couple of weeks and explains why protection isn't immediate.
6. **Outputs.** The germinal centre produces **long-lived plasma cells**, which move to the bone marrow and secrete antibody for years, and **memory B cells**. Activated T cells likewise leave behind **memory T cells**.

## 4. The secondary response (why boosters work)

On re-exposure, memory cells respond within days rather than weeks, with higher-affinity, class-switched antibody and many more responding cells. Boosters re-stimulate memory and trigger further rounds of affinity maturation, raising antibody levels and quality. This is the basis of multi-dose schedules.

## 5. How protection works in practice

- **Neutralising antibodies** block pathogens or toxins from entering cells (tetanus antitoxin neutralises the toxin itself).
- **Opsonisation and complement** mark pathogens for destruction by phagocytes.
- **CD8+ cytotoxic T cells** kill infected cells, which is important for intracellular pathogens.
- **Mucosal IgA** protects at entry points, although injected vaccines induce it less well.

## 6. Points examiners like

- **Herd immunity:** when enough of the population is immune, transmission chains break, which protects people who can't be vaccinated.
- **Why some people respond poorly:** extremes of age, immunosuppression, and certain medications.
- **Adverse reactions:** local and systemic reactions reflect innate activation; true anaphylaxis is rare and usually linked to a component, not to the antigen.
- **Cold chain:** many vaccines lose potency if they aren't stored at the right temperature, which is a nursing responsibility.

If you'd like, I can turn this into a one-page revision sheet or a set of practice questions."""),
    (["Help me write a best man speech for my brother Dan's wedding. He's marrying Zoe. Funny but heartfelt, about 4 minutes.",
      "I'm best man at my brother's wedding (Dan and Zoe). Can you write a speech? Some jokes but not embarrassing, ends sincere."],
     """Good evening, everyone. For those who don't know me, I'm Dan's younger brother, and for the past thirty years I've been his best man in the sense that I've been standing slightly behind him, getting blamed for things he did.

First, a few thank-yous. To Zoe's parents, for welcoming our family so warmly, and for this incredible day. To our mum and dad, for raising Dan, and also me, which I'm told was the easier job. And to all of you for being here; some of you have travelled a very long way, and Dan and Zoe are so grateful.

Now, when Dan asked me to be his best man, he gave me one instruction: "Nothing embarrassing." So I've had to leave out quite a lot. The camping trip is gone. The karaoke incident in 2015 is gone. The less said about his attempt to assemble a wardrobe without the instructions, the better, although if you visit their flat, please don't lean on it.

What I can tell you is this. Growing up, Dan was the kind of big brother who would wind you up all day and then, the moment anyone else tried it, would be right there in your corner. He taught me to ride a bike, mostly by letting go without telling me. He taught me how to change a tyre, how to make a terrible spaghetti bolognese, and that you should always, always read the instructions. Mostly by example, as I've mentioned.

And then he met Zoe.

I remember the first time he mentioned her. He was trying very hard to be casual about it, which for Dan means he talked about her for forty-five minutes straight. Within a month he'd started doing things I had never seen him do. He bought houseplants. He kept them alive. He learned to make a proper risotto. At one point he used the word "cushions" unprompted.

But the biggest change wasn't the cushions. It was that my brother, who has always been a bit of a worrier and always looking after everyone else, suddenly seemed settled. Zoe, you make him laugh, you make him braver, and you're the only person I know who can win an argument with him, which all of us have been trying to do for years. Thank you for that.

Zoe, welcome to the family. You should know what you're getting: a husband who will always fix anything, eventually; who'll drive across the country if you need him; and who will bring enthusiasm to every single board game, whether you want it or not.

Dan, I'm incredibly proud of you. You've always looked out for me, and today I get to watch you marry someone who'll look out for you. I couldn't be happier.

So, if everyone could please raise their glasses, and stand if you're able.

To Dan and Zoe: to a lifetime of laughter, adventure, and reading the instructions together.

To Dan and Zoe!"""),
    (["Write a study guide on the main causes of World War I for a high school history test. Use headings.",
      "can you make me revision notes on the causes of WW1? exam on friday, need the key points organised"],
     """# Causes of the First World War: Revision Notes

Historians often remember the long-term causes with the acronym **MAIN**: Militarism, Alliances, Imperialism, Nationalism. These created the conditions for war, and the **assassination in Sarajevo** was the trigger.

## 1. Militarism

- The great powers built up large armies and navies in the decades before 1914 and made detailed war plans.
- **The naval race:** Britain and Germany competed to build battleships after Britain launched HMS *Dreadnought* in 1906. It deepened mistrust between them.
- **The Schlieffen Plan:** Germany planned to defeat France quickly by going through Belgium, then turn east to face Russia. Because the plan depended on speed, it made German leaders quick to mobilise in a crisis.
- **Key point:** once one country mobilised, others felt they had to follow, which made the crisis harder to stop.

## 2. Alliances

- **Triple Alliance:** Germany, Austria-Hungary and Italy.
- **Triple Entente:** France, Russia and Britain (Britain's commitment was looser, based on understandings rather than a formal military alliance).
- The alliances were meant to deter attack, but they also meant a local conflict could quickly involve all the major powers.
- **Exam tip:** Italy did not join Germany and Austria-Hungary in 1914, and in 1915 it entered the war on the Entente side, which shows that alliances weren't automatic.

## 3. Imperialism

- The European powers competed for colonies and influence, especially in Africa and Asia.
- Germany, a newer power, felt it deserved a "place in the sun" and resented British and French empires.
- **Moroccan Crises (1905 and 1911):** Germany challenged French influence in Morocco. Both times Britain backed France, which pushed Britain and France closer together and left Germany feeling encircled.

## 4. Nationalism

- Strong national pride encouraged people to see war as glorious and their nation as superior.
- In the **Balkans**, Slavic nationalism threatened Austria-Hungary, a multi-ethnic empire. Serbia wanted to unite Slavic peoples, some of whom lived inside Austria-Hungary.
- Russia presented itself as the protector of Slavic peoples, which linked Balkan disputes to the great powers.
- **Bosnian Crisis (1908):** Austria-Hungary annexed Bosnia, angering Serbia and Russia.
- **Balkan Wars (1912–13):** left Serbia larger and more confident, and Austria-Hungary more anxious.

## 5. The trigger: the July Crisis of 1914

- **28 June 1914:** Archduke Franz Ferdinand, heir to the Austro-Hungarian throne, was assassinated in Sarajevo by Gavrilo Princip, a Bosnian Serb linked to the nationalist group the Black Hand.
- Germany promised Austria-Hungary its full support (the **"blank cheque"**).
- **23 July:** Austria-Hungary sent Serbia an ultimatum with harsh demands. Serbia accepted most of them, but not all.
- **28 July:** Austria-Hungary declared war on Serbia.
- Russia mobilised to support Serbia; Germany declared war on Russia (1 August) and France (3 August).
- Germany invaded Belgium to carry out the Schlieffen Plan. Britain had guaranteed Belgian neutrality in the **Treaty of London (1839)** and declared war on Germany on **4 August 1914**.

## 6. Debating responsibility

- The **Treaty of Versailles (1919)** blamed Germany ("war guilt clause").
- Some historians (e.g. Fritz Fischer) argued Germany deliberately sought war; others stress shared responsibility and miscalculation by all the powers.
- **Good exam answers** explain how the long-term causes made a local crisis escalate, rather than just listing them.

## Quick self-test

1. What does MAIN stand for?
2. Why did the Schlieffen Plan make war more likely once the crisis began?
3. What was the "blank cheque"?
4. Why did Britain enter the war when it did?

Good luck on Friday!"""),
    (["Write a cover letter for a junior data analyst role at a healthcare company. I have a stats degree, did an internship at a bank doing Excel reporting, and I know SQL and Python basics.",
      "need a cover letter. applying for junior data analyst at a hospital group. background: statistics degree, 6 month internship at a bank (excel reports, some SQL), python from uni projects"],
     """Dear Hiring Manager,

I'm applying for the Junior Data Analyst position. I have a degree in statistics, hands-on experience producing regular reporting in a regulated environment, and a strong interest in using data to improve how patients are cared for. I'd welcome the chance to bring those together in your analytics team.

During my six-month internship in the finance team at a retail bank, I took over a set of weekly Excel reports that tracked loan applications across regional branches. The reports were assembled by hand from several exports and took most of a Monday to produce. I learned enough SQL to pull the data directly from the reporting database, rebuilt the workbook around a single clean data table, and documented the process so others could run it. Producing the report went from around five hours to under one, and the branch managers started using it for their Tuesday meetings because it arrived on time. I also learned how much care reporting needs when decisions depend on it: checking totals against source systems, explaining changes in definitions, and flagging anything that looked wrong before it went out.

My degree gave me a solid grounding in statistical methods, including regression, hypothesis testing and experimental design, and in being honest about what data can and can't show. For my final-year project I used Python (pandas and statsmodels) to analyse a public dataset of hospital readmissions, looking at how readmission rates varied with length of stay and discharge day. It was a small project, but it showed me how messy real health data is, from missing values to codes that changed meaning between years, and how much the interpretation matters. It's also what made me want to work in healthcare.

I'm drawn to this role because your analytics team supports clinical and operational decisions directly, from bed planning to waiting-list management. I'm comfortable with SQL and Excel, I'm building my Python skills, and I learn quickly from colleagues with more experience. I'm careful with sensitive data and understand why confidentiality matters, particularly with patient information.

Thank you for considering my application. I'd be glad to talk about how I could contribute to your team, and I can share my readmissions project if it would be useful.

Yours faithfully,
[Your name]"""),
    (["Make me a 7-day vegetarian meal plan. High protein, nothing too complicated, I cook for two.",
      "can you do a week of vegetarian dinners + lunches for 2 people? want decent protein and easy recipes"],
     """Here's a week of simple, high-protein vegetarian meals for two. Lunches often use leftovers from the night before to save time, and there's a shopping list at the end.

## Monday
- **Lunch:** Greek yoghurt bowls with granola, berries and a handful of walnuts, plus a boiled egg each.
- **Dinner:** Chickpea and spinach curry with brown rice. Make a double batch of rice for Tuesday.
  *Protein: about 25 g per serving.*

## Tuesday
- **Lunch:** Leftover curry wrapped in a warm tortilla with a spoon of yoghurt.
- **Dinner:** Egg fried rice with frozen peas, edamame, spring onions and soy sauce, using Monday's rice (cold rice fries best).
  *About 28 g.*

## Wednesday
- **Lunch:** Lentil soup (from a tin or a simple homemade batch) with wholemeal bread and a slice of cheese.
- **Dinner:** Sheet-pan halloumi with peppers, red onion and chickpeas, roasted at 200 °C for 25 minutes and served with couscous.
  *About 32 g.*

## Thursday
- **Lunch:** Leftover halloumi traybake over salad leaves with a lemon and olive oil dressing.
- **Dinner:** Black bean tacos: beans fried with cumin and smoked paprika, topped with avocado, salsa, cheese and a squeeze of lime.
  *About 24 g.*

## Friday
- **Lunch:** Cottage cheese on rye toast with sliced tomato and black pepper, plus fruit.
- **Dinner:** Crispy tofu stir-fry. Press a block of firm tofu for 15 minutes, cube it, toss in cornflour and fry until golden. Add broccoli, carrots and a sauce of soy, honey, garlic and ginger, and serve with noodles.
  *About 30 g.*

## Saturday
- **Lunch:** Shakshuka: eggs poached in a spiced tomato and pepper sauce, with crusty bread for dipping.
- **Dinner:** Homemade pizza on shop-bought bases with mozzarella, mushrooms, spinach and ricotta. Side salad.
  *About 27 g.*

## Sunday
- **Lunch:** Big omelette (three eggs each) with feta and herbs, plus leftover salad.
- **Dinner:** Red lentil and sweet potato dal with naan and a cucumber raita. Make extra: it freezes well for next week.
  *About 26 g.*

## Shopping list

**Protein:** 1 dozen eggs, 1 block firm tofu, 1 pack halloumi, 500 g Greek yoghurt, 1 tub cottage cheese, feta, mozzarella, ricotta, 2 tins chickpeas, 2 tins black beans, 1 tin lentil soup or 200 g green lentils, 250 g red lentils, frozen edamame, walnuts.

**Vegetables and fruit:** spinach, peppers (4), red onions (3), broccoli, carrots, mushrooms, sweet potatoes (2), tomatoes, cucumber, avocados (2), salad leaves, spring onions, lemons, limes, berries, garlic, ginger.

**Store cupboard:** brown rice, couscous, noodles, tortillas, pizza bases, naan, rye and wholemeal bread, granola, tinned tomatoes (3), curry paste or spices (cumin, smoked paprika, garam masala), soy sauce, honey, cornflour, salsa, frozen peas.

**Tips**
- Cook rice and lentils in bulk; they keep for three days in the fridge.
- If you want more protein, add a portion of edamame or a boiled egg to any lunch, or switch regular pasta for lentil pasta.
- Swap days freely; only Tuesday depends on Monday's leftovers."""),
    (["Plan a 4-day trip to Lisbon for me and my partner. We like food, walking and views, not big on museums.",
      "4 days in lisbon in may, what should we do? we love food and wandering around, less into museums"],
     """Lisbon is ideal for that: it's built on hills, so the walking comes with views, and the food is excellent and good value. Here's a relaxed plan that groups nearby areas together.

## Day 1: Alfama and the castle
- **Morning:** Start with coffee and a *pastel de nata* at a local bakery, then wander uphill through **Alfama**, the oldest neighbourhood, a maze of stairways and washing lines. Don't follow a map too closely; getting a bit lost is the point.
- **Late morning:** Climb to **São Jorge Castle** for views over the river and the red rooftops. Go early to avoid queues.
- **Lunch:** Grilled sardines or a *bifana* (pork sandwich) at a small *tasca*.
- **Afternoon:** **Miradouro de Santa Luzia** and **Miradouro da Graça** are two of the best viewpoints in the city. The second is quieter and has a kiosk café.
- **Evening:** Dinner with live **fado** in Alfama. Book ahead and expect a minimum spend.

## Day 2: Baixa, Chiado and Bairro Alto
- **Morning:** Walk down through **Baixa**, the grid of streets rebuilt after the 1755 earthquake, to the huge riverside square, **Praça do Comércio**.
- **Lunch:** **Time Out Market** (Mercado da Ribeira) for a little of everything in one place. It's busy, so go before 12:30.
- **Afternoon:** Walk up to **Chiado** for cafés and bookshops, then on to **Miradouro de São Pedro de Alcântara**.
- **Evening:** Dinner in **Bairro Alto**, then join the crowds drinking in the streets. Alternatively, watch the sunset from **Miradouro de Santa Catarina** first.

## Day 3: Day trip to Sintra
- Take the train from Rossio station (about 40 minutes). Go early.
- **Pena Palace** is colourful and fairy-tale-like; even if you skip the interior, the gardens and terraces are worth it. The **Moorish Castle** walls nearby have spectacular views.
- Walk down into the old town for lunch and try a *travesseiro* (a puff pastry filled with almond cream) at one of the local pastry shops.
- **Evening:** Back in Lisbon, have a relaxed dinner near your hotel.

## Day 4: Belém and the riverside
- **Morning:** Take the tram or a riverside bus to **Belém**. See the **Belém Tower** and the **Monument to the Discoveries** from the outside, and walk along the river.
- Have the famous *pastéis de Belém* at the original bakery, where the queue moves quickly.
- **Afternoon:** Head back towards the centre and stop at **LX Factory**, a converted industrial complex with shops, street art and cafés.
- **Evening:** Finish with a seafood dinner. Clams *à Bulhão Pato* (with garlic, olive oil and coriander) and grilled fish are classics.

## Practical tips
- **Shoes:** wear comfortable ones with grip. The polished stone pavements are slippery, especially downhill.
- **Getting around:** a rechargeable transport card covers the metro, trams, buses and the Sintra train. **Tram 28** is scenic but packed; ride it early or late, and watch out for pickpockets.
- **May weather** is usually warm and sunny, but evenings can be cool by the river, so bring a layer.
- **Eating:** Lunch is the best-value meal; many places do a fixed-price *prato do dia* (dish of the day). The bread and olives put on your table are usually charged if you eat them.

Want restaurant suggestions at a particular budget, or a version with a beach afternoon in Cascais instead of Sintra?"""),
    (["Can you explain how attention works in transformers? I know basic linear algebra and neural nets.",
      "explain self-attention in transformers, I understand matrix multiplication and backprop but the attention part confuses me"],
     """Sure. With linear algebra and neural nets as background, the clearest way in is to follow one layer of self-attention step by step.

## The problem attention solves

A sentence comes in as a sequence of token vectors, x₁ … xₙ, each of dimension d. We want to update each token's vector using information from the **other** tokens, so that "bank" can become more "river-like" or more "money-like" depending on context. The key idea is that *how much* each token should borrow from each other token is computed from the data itself.

## Queries, keys and values

Each token vector is multiplied by three learned matrices:

- **Query** qᵢ = W_Q xᵢ: "what am I looking for?"
- **Key** kⱼ = W_K xⱼ: "what do I contain?"
- **Value** vⱼ = W_V xⱼ: "what do I pass on if you attend to me?"

Stacking the tokens as rows of a matrix X gives Q = X W_Q, K = X W_K and V = X W_V.

## Scores, softmax and the weighted sum

1. **Scores:** the compatibility of token i with token j is the dot product qᵢ · kⱼ. For all pairs at once that's the n × n matrix **QKᵀ**.
2. **Scaling:** divide by √d_k (the key dimension). Without this, dot products grow with dimension, the softmax becomes extremely peaked, and gradients vanish.
3. **Softmax** over each row turns scores into weights that are positive and sum to 1: token i's attention distribution over all tokens.
4. **Weighted sum:** multiply by V. Token i's output is Σⱼ αᵢⱼ vⱼ, a mix of the other tokens' values.

All together:

**Attention(Q, K, V) = softmax(QKᵀ / √d_k) V**

It's just matrix multiplications and a softmax, which is why it runs so well on GPUs.

## Masking

In a decoder (GPT-style) model, a token must not see future tokens during training. A **causal mask** sets the scores above the diagonal to −∞ before the softmax, so their weights become 0.

## Multi-head attention

One attention pattern can't capture everything (syntax, coreference, position, and so on). So the model runs **h heads** in parallel, each with its own smaller W_Q, W_K and W_V (dimension d/h), concatenates their outputs and mixes them with another matrix W_O. Different heads learn to specialise.

## Where it sits in the block

A transformer layer is: attention → add the input back (residual connection) and normalise → a position-wise feed-forward network (the same MLP applied to each token) → residual and normalise again. Stacking many layers lets tokens build increasingly abstract, context-dependent representations.

## Position

Attention by itself ignores order: shuffle the tokens and the outputs are shuffled the same way. So position information is added, either as vectors added to the inputs (the original sinusoidal or learned embeddings) or by rotating queries and keys according to position (**RoPE**, used by Llama and many current models).

## Why it matters for performance

- The QKᵀ matrix is n × n, so compute and memory grow **quadratically** with sequence length, the main cost of long contexts.
- When generating text one token at a time, the keys and values of earlier tokens don't change, so inference servers store them in a **KV cache** instead of recomputing them. That cache grows with context length and batch size and is often what limits how many requests a GPU can serve at once.

A good exercise is to implement single-head attention in NumPy for a 4-token toy example and print the attention weights; it makes the shapes click."""),
    (["Write me a Python command-line todo app that stores tasks in a JSON file. Add, list, complete and delete commands.",
      "python todo list CLI with a json file for storage please. commands: add, list, done, delete"],
     r"""Here's a self-contained script using only the standard library:

```python
#!/usr/bin/env python3
'''A tiny to-do list for the command line, stored in a JSON file.'''

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

DEFAULT_FILE = Path(os.environ.get("TODO_FILE", Path.home() / ".todo.json"))


@dataclass
class Task:
    id: int
    text: str
    done: bool = False
    created: str = ""


def load(path: Path) -> list[Task]:
    if not path.exists():
        return []
    try:
        return [Task(**item) for item in json.loads(path.read_text(encoding="utf-8"))]
    except (json.JSONDecodeError, TypeError) as exc:
        sys.exit(f"error: {path} is not a valid task file ({exc})")


def save(path: Path, tasks: list[Task]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps([asdict(t) for t in tasks], indent=2), encoding="utf-8")
    tmp.replace(path)  # atomic on the same file system: no half-written file on a crash


def find(tasks: list[Task], task_id: int) -> Task:
    for task in tasks:
        if task.id == task_id:
            return task
    sys.exit(f"error: no task with id {task_id}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE, help="task file (default: %(default)s)")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="add a task")
    add.add_argument("text", nargs="+")
    lst = sub.add_parser("list", help="list tasks")
    lst.add_argument("--all", action="store_true", help="include completed tasks")
    for name, help_text in (("done", "mark a task as done"), ("delete", "delete a task")):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("id", type=int)
    args = parser.parse_args(argv)

    tasks = load(args.file)
    if args.command == "add":
        task = Task(id=max((t.id for t in tasks), default=0) + 1, text=" ".join(args.text),
                    created=datetime.now().isoformat(timespec="minutes"))
        tasks.append(task)
        save(args.file, tasks)
        print(f"added #{task.id}: {task.text}")
    elif args.command == "list":
        shown = [t for t in tasks if args.all or not t.done]
        if not shown:
            print("nothing to do")
        for t in shown:
            print(f"{'[x]' if t.done else '[ ]'} #{t.id:<3} {t.text}")
    elif args.command == "done":
        task = find(tasks, args.id)
        task.done = True
        save(args.file, tasks)
        print(f"completed #{task.id}: {task.text}")
    elif args.command == "delete":
        task = find(tasks, args.id)
        tasks.remove(task)
        save(args.file, tasks)
        print(f"deleted #{task.id}: {task.text}")


if __name__ == "__main__":
    main()
```

Usage:

```bash
python todo.py add Buy milk
python todo.py add Book dentist appointment
python todo.py list
python todo.py done 1
python todo.py list --all
python todo.py delete 2
```

A few design choices:
- **Ids never get reused:** a new task gets the highest id plus one, so deleting task 2 doesn't renumber the others.
- **Atomic save:** writing to a temporary file and renaming it means a crash mid-write can't corrupt your list.
- **`TODO_FILE`** lets you keep separate lists, e.g. `TODO_FILE=~/work.json python todo.py list`.

Possible next steps: due dates, priorities, or `rich` for a coloured table."""),
    (["Write a project proposal for moving our team's reporting from spreadsheets to a BI tool. Audience: our director. About one page.",
      "draft a short proposal to my director: we want to replace our manual excel reporting with a proper BI tool (dashboards). include costs/benefits/risks"],
     """# Proposal: Move Team Reporting from Spreadsheets to a BI Tool

## Summary
We propose replacing our manually maintained reporting spreadsheets with a business intelligence (BI) tool connected directly to our data sources. This would save around 30 analyst hours a month, reduce reporting errors, and give managers self-service access to up-to-date numbers. We're asking for approval to run a 10-week pilot with a budget of up to $15,000.

## The problem
- **Time:** Producing the weekly and monthly reports takes about 35 hours a month of copying exports, refreshing formulas and checking totals.
- **Errors:** Two of the last six monthly reports needed corrections after they were sent, both caused by broken links between spreadsheets.
- **Stale data:** Managers see numbers that are up to a week old, and ad hoc questions queue behind the regular reports.
- **Risk:** The main workbook depends on macros that only one team member fully understands.

## What we propose
1. **Pilot (weeks 1–10):** Connect a BI tool to our two main data sources (CRM and finance system) and rebuild the three most-used reports as dashboards: weekly pipeline, monthly revenue, and customer churn.
2. **Run in parallel:** Produce the spreadsheet versions alongside the dashboards for one month to check the numbers match.
3. **Decide:** At week 10, review time saved, accuracy and user feedback, and recommend whether to roll out.

## Costs
- Licences: about $8,000 a year for 5 creator and 40 viewer seats (vendor quotes attached; we will shortlist two tools).
- Setup support: up to $5,000 of consultant time for data connections.
- Training: $2,000 for two analysts.
- Team time: about 20% of two analysts' time during the pilot, offset by the reporting hours saved once it's live.

## Benefits
- About **30 hours a month** freed up for analysis instead of assembling reports.
- Numbers refreshed daily, with a single definition of each metric.
- Managers can filter and drill down themselves, reducing ad hoc requests.
- Less dependence on one person's knowledge of the macros.

## Risks and mitigations
- **Data quality issues become more visible.** We'll treat this as a benefit and log issues with the data owners.
- **Adoption.** We'll involve three managers in designing the dashboards and keep the spreadsheets available until they're comfortable.
- **Security.** Access will follow existing permissions, and IT will review the data connections before go-live.
- **Cost creep.** The pilot has a fixed budget and a go/no-go decision at week 10.

## Decision needed
Approval to start the pilot in the next quarter with a budget of up to $15,000, and one hour of your time at week 10 for the review."""),
]
LONG_PREFIXES = ["", "", "", "Hi! ", "Please: "]

# ============================================================== pasted logs
# Users paste a job or service log and ask what went wrong. The log is generated line by line
# (timestamps, ids, durations); the failure lines and the diagnosis are hand-written per scenario.

LOG_SCENARIOS = [
    {"service": "nightly-export", "asks": ["Our nightly export job failed. Here's the log. What happened?",
                                         "can you look at this log and tell me why the job died"],
         "normal": ["INFO  export.worker  exported batch {n} ({rows} rows) in {ms} ms",
                 "INFO  export.worker  fetched page {n} from orders_archive (cursor={hex})",
                 "DEBUG export.s3      uploaded part {n} of export-{date}.csv.gz ({kb} KiB)",
                 "INFO  export.worker  memory rss={mb} MiB"],
         "failure": ["WARN  export.worker  memory rss={big1} MiB exceeds soft limit 3072 MiB",
                  "WARN  export.worker  memory rss={big2} MiB exceeds soft limit 3072 MiB",
                  "ERROR export.runner  worker process exited with signal 9 (SIGKILL)",
                  "ERROR export.runner  job export-{date} failed after {mins} minutes; 0 of 1 files published"],
         "diagnosis": """The worker was killed by the operating system for running out of memory. The clues:

- The `memory rss` lines climb steadily through the run instead of staying flat, which points to something accumulating rather than a one-off spike.
- Just before the end it passes the 3 GiB soft limit twice.
- Then the process exits with **signal 9 (SIGKILL)** and no Python traceback. That's the signature of the kernel's OOM killer or a container memory limit: the process gets no chance to log an error.

Likely causes, in order of probability:
1. **Results are kept in memory across batches.** For example, rows appended to a list or DataFrame that is only written at the end, or an ORM session that keeps every loaded object. Check that each batch is written and released before the next is fetched.
2. **A bigger-than-usual data volume**, such as month-end, pushing a job that was already close to the limit over the edge. Compare the row counts with previous successful runs.
3. **The upload buffering parts in memory** rather than streaming them.

To confirm, run the job against a smaller date range with memory profiling (`tracemalloc`, or `memray` if you can install it) and see what grows per batch. As a short-term fix you could raise the container's memory limit, but if memory grows with every batch, that only postpones the failure."""},
    {"service": "api", "asks": ["Users are getting 502s from our API since about 10 minutes ago. Logs below, what's going on?",
                              "API is throwing 502s, here are the logs from one of the pods. Any idea?"],
         "normal": ["INFO  http  GET /v1/orders/{n} 200 {ms}ms",
                 "INFO  http  POST /v1/cart/{n}/items 201 {ms}ms",
                 "INFO  http  GET /v1/products?page={n} 200 {ms}ms",
                 "DEBUG db    pool stats: size=20 in_use={small} waiting=0"],
         "failure": ["WARN  db    pool stats: size=20 in_use=20 waiting={wait}",
                  "ERROR db    could not acquire connection within 5000 ms (pool exhausted)",
                  "ERROR http  GET /v1/orders/{n} 500 5004ms",
                  "WARN  db    slow query 28411 ms: SELECT o.*, c.* FROM orders o JOIN customers c ON ... WHERE o.status = $1 ORDER BY o.created_at",
                  "ERROR db    could not acquire connection within 5000 ms (pool exhausted)",
                  "ERROR http  POST /v1/cart/{n}/items 500 5002ms"],
         "diagnosis": """The API is running out of database connections, and the 502s are most likely your load balancer giving up on requests that are stuck waiting for one.

What the log shows:
- Earlier, `pool stats` shows a few connections in use and nobody waiting. Then it flips to **20 of 20 in use with requests waiting**.
- Requests start failing after exactly ~5,000 ms with `could not acquire connection`, which is the pool timeout, not slow application code.
- There's a **28-second query**: a `SELECT` joining orders and customers, filtered on `status` and sorted by `created_at`. A handful of those running at once will tie up the whole pool.

What to do now:
1. Find and stop the slow queries (in Postgres: `SELECT pid, now() - query_start, query FROM pg_stat_activity WHERE state = 'active' ORDER BY 2 DESC;` then `pg_cancel_backend(pid)`).
2. Find what started sending them about 10 minutes ago: a deploy, a new report or dashboard, or a client paging through orders with a new filter.

Then fix the cause:
- Run `EXPLAIN ANALYZE` on that query. A composite index such as `(status, created_at)` is the likely fix, and `SELECT o.*, c.*` probably fetches far more columns than needed.
- Add a statement timeout for the API's database user (e.g. 5 seconds) so one bad query can't hold a connection for half a minute.
- Consider moving reporting-style queries to a read replica."""},
    {"service": "deploy", "asks": ["The deploy pipeline failed on the release step, here's the output. What do I need to fix?",
                                 "CI failed on release, log below. I didn't change anything in the pipeline!"],
         "normal": ["[{t}] step build: compiling module {n}/{total}",
                 "[{t}] step test: {n} passed, 0 failed ({ms} ms)",
                 "[{t}] step package: adding layer sha256:{hex} ({kb} KiB)",
                 "[{t}] step package: pushing layer {n}/{total}"],
         "failure": ["[{t}] step release: connecting to registry.internal.example:443",
                  "[{t}] step release: x509: certificate has expired or is not yet valid: current time {date}T03:12:44Z is after {date}T00:00:00Z",
                  "[{t}] step release: retrying (1/3)",
                  "[{t}] step release: x509: certificate has expired or is not yet valid",
                  "[{t}] step release: FAILED after 3 attempts",
                  "[{t}] pipeline finished with status FAILED (release)"],
         "diagnosis": """Nothing in your change caused this. The release step fails because the **TLS certificate on `registry.internal.example` expired** today at 00:00 UTC:

> x509: certificate has expired or is not yet valid: current time ... is after ...T00:00:00Z

The build, tests and packaging all passed; only the connection to the registry fails, and retrying can't help.

What to do:
1. **Tell whoever runs the internal registry** (platform or infra team). The certificate needs renewing and reloading on the registry or the load balancer in front of it. You can confirm the expiry yourself with:
   ```bash
   echo | openssl s_client -connect registry.internal.example:443 2>/dev/null | openssl x509 -noout -enddate
   ```
2. **Re-run the pipeline** once it's renewed; no code change is needed.
3. **Don't work around it** by disabling TLS verification in the pipeline. That tends to stay in place long after the incident.

Afterwards, it's worth suggesting automatic renewal (ACME or your cloud provider's certificate manager) and an alert 14–30 days before any certificate expires, so this doesn't catch everyone out again."""},
]
LOG_DATES = ["2024-09-03", "2024-09-11", "2024-10-02", "2024-10-15", "2024-11-07"]

# ============================================================== support-copilot requests
# Only sent with the Fernbank system prompt: an agent pastes a customer message or asks about the product.

FERNBANK = [
    ("Customer writes: \"Hi, my Chase account stopped updating in Fernbank about 5 days ago. The balance is wrong and none of my recent transactions show up. I haven't changed anything. Can you fix it?\"",
     "Hi there,\n\nThanks for letting us know, and sorry your Chase account hasn't been updating. That's frustrating when you rely on it to keep your budget on track.\n\nMost of the time this happens when the bank connection needs to be refreshed, which banks sometimes require for security even if nothing changed on your side. Could you try reconnecting the account?\n\n1. Open **Settings > Accounts**.\n2. Select your Chase account.\n3. Tap **Reconnect** and sign in to Chase when prompted.\n\nOnce it's reconnected, your recent transactions should appear within a few minutes, and your balance will update.\n\nIf it still isn't updating after that, just reply to this message and I'll look into it further with our team.\n\nThe Fernbank team"),
    ("customer msg: \"how do I cancel plus?? I was charged again today and I thought I cancelled last month. I want my money back\"",
     "Hi,\n\nThanks for getting in touch, and I'm sorry for the confusion about your subscription.\n\nI'll check your account to see what happened with last month's cancellation and why you were charged today, and I'll follow up with you as soon as I have an answer.\n\nIn the meantime, if you'd like to make sure Plus doesn't renew again, you can cancel at any time from **Settings > Subscription > Cancel plan**. You'll keep Plus features until the end of the current billing period, and your data stays in your account.\n\nThanks for your patience while I look into this.\n\nThe Fernbank team"),
    ("Can the Family plan have 6 people? Customer is asking because they have 4 kids.",
     "No. The Family plan covers up to **5 members** in total, and the account owner counts as one of them. A household with two parents and four children would be one over the limit.\n\nOptions you could suggest:\n- Keep the younger children off the plan until they need their own budgets; they can be added when someone else leaves.\n- Have a second adult hold a separate Plus subscription ($4.99/month) and share budgets with the family account, since shared budgets are included in Plus.\n\nIf the customer asks whether a larger plan is coming, don't promise anything. You can say you'll pass the feedback on."),
    ("Reply to this: \"Someone logged into my Fernbank account from a device I don't recognise and I got an email about a new login from another country. I didn't do this. What do I do??\"",
     "This message mentions unauthorised access, so it needs to be **escalated to the Trust team** right away rather than answered here. Please don't send troubleshooting steps to the customer yourself.\n\nFlag the ticket to Trust with the customer's message and any details from the login alert email, and let them handle the reply and any account protection steps."),
    ("Customer on the free plan wants a PDF report of their yearly spending for their accountant. What do I tell them?",
     "Hi,\n\nThanks for your message. It's a great idea to have a yearly summary ready for your accountant.\n\nPDF reports are part of Fernbank Plus, so they aren't available on the Free plan. You can still get all of your data, though: go to **Settings > Data > Export** and download your transactions as a CSV file. Your accountant can open it in Excel or any spreadsheet program, and you can choose the date range for the year you need.\n\nIf you'd like the formatted PDF report, you can upgrade to Plus ($4.99/month) at any time from **Settings > Subscription**, and the report will be available straight away.\n\nLet us know if you have any trouble with the export.\n\nThe Fernbank team"),
    ("Customer says: \"I was charged $7.99 twice this month. Please refund the duplicate immediately.\" Draft a reply.",
     "Hi,\n\nThank you for letting us know, and I'm sorry about the double charge. I understand it's worrying to see an unexpected payment.\n\nI'm going to check your billing history with our team to see what happened and will follow up with you as soon as I have an answer. It would help if you could reply with the dates of both charges as they appear on your statement, and the last four digits of the card used.\n\nThanks for your patience while we look into it.\n\nThe Fernbank team"),
    ("What's the actual difference between Plus and Family? A customer asked and I wasn't sure.",
     "Both are paid plans, and the difference is mainly **how many people** use them:\n\n- **Plus** ($4.99/month) is for one person: unlimited linked accounts, shared budgets, and PDF reports.\n- **Family** ($7.99/month) covers **up to 5 members** in one household, so each person can have their own login while the family manages money together.\n\nThe Free plan is limited to 2 linked accounts. If a customer is the only person using Fernbank but wants to share a budget with a partner occasionally, Plus is usually enough, because shared budgets are included. If several people want their own access, Family is better value."),
    ("Customer: \"your app is useless, it keeps putting my grocery purchases under 'Entertainment'. I've fixed it like 20 times.\" Reply please, keep it short.",
     "Hi,\n\nSorry about that. Having to fix the same thing over and over is annoying, and I'd like to help it stop.\n\nI'll check with our team why those purchases keep being categorised as Entertainment and follow up with you. It would help if you could reply with the name of the store as it appears in the app and one or two example dates.\n\nThanks for bearing with us.\n\nThe Fernbank team"),
]

# ============================================================== assembly

LANG_NAMES = {"python": "Python", "javascript": "JavaScript", "typescript": "TypeScript", "go": "Go", "rust": "Rust",
              "sql": "SQL", "bash": "Bash", "java": "Java", "css": "CSS", "docker": "Docker"}
FENCE = {"docker": "dockerfile", "typescript": "tsx"}
MAX_OUTPUT_CHARS = 3_300  # composed rewrites stay under ~800 Llama 3 tokens
MAX_PROMPT_CHARS = 11_000  # prompts stay under ~3,000 tokens (a typical chat deployment's history cap)


def _lower_first(text: str) -> str:
    """Lower-case the first letter after a prefix, unless it starts a name, an acronym or "I"."""
    word = text.split(" ", 1)[0]
    if word in ("I", "I'm", "I've", "I'd") or word.isupper() or word[:1] in "`'\"" or (len(word) > 1 and word[1:].lower() != word[1:]):
        return text
    return text[:1].lower() + text[1:]


def _a(noun: str) -> str:
    return ("an " if noun[0] in "aeiou" else "a ") + noun


class Item:
    """One user request, its reply, and follow-ups that could continue the conversation."""

    def __init__(self, user: str, reply: str, follow: list[tuple[str, str]] | None = None) -> None:
        self.user, self.reply, self.follow = user, reply, follow or []


class Generator:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        # each pool is drawn from a shuffled deck, so blocks are used evenly before any repeats
        self._decks: dict[str, list] = {}
        self.plain = False  # drop greetings and openers (a later turn of a chat)
        self.first_kind = ""  # kind of the first request: decides which product's system prompt fits

    def draw(self, name: str, pool: list):
        deck = self._decks.get(name)
        if not deck:
            deck = list(pool)
            self.rng.shuffle(deck)
            self._decks[name] = deck
        return deck.pop()

    def pick(self, seq):
        return self.rng.choice(seq)

    # ---------------------------------------------------------- single-turn kinds

    def short_qa(self) -> Item:
        q, a = self.draw("short", SHORT_QA)
        opener = "" if self.plain else self.pick(SHORT_QA_OPENERS)
        return Item(opener + (_lower_first(q) if opener else q), a)

    def howto(self) -> Item:
        phrasings, answer = self.draw("howto", HOWTO)
        q = self.pick(phrasings)
        prefix = "" if self.plain else self.pick(HOWTO_PREFIXES)
        return Item(prefix + (_lower_first(q) if prefix else q), answer)

    def _code_user(self, snippet: dict, templates: list[str]) -> str:
        lang = snippet["lang"]
        return self.pick(templates).format(problem=snippet["problem"], code=snippet["code"],
                                           lang=FENCE.get(lang, lang), name=LANG_NAMES[lang])

    def code_fix(self) -> Item:
        s = self.draw("code_fix", CODE)
        follow = []
        if s.get("tests"):
            follow.append((self.pick(CODE_TESTS_FOLLOW), s["tests"]))
        follow.append((self.pick(CODE_EXPLAIN_FOLLOW), s["explain"]))
        return Item(self._code_user(s, CODE_FIX_ASKS), s["fix"], follow)

    def code_explain(self) -> Item:
        s = self.draw("code_explain", CODE)
        follow = [(self.pick(CODE_FIX_FOLLOW), s["fix"])]
        return Item(self._code_user(s, CODE_EXPLAIN_ASKS), s["explain"], follow)

    def code_tests(self) -> Item:
        s = self.draw("code_tests", [c for c in CODE if c.get("tests")])
        return Item(self._code_user(s, CODE_TEST_ASKS), s["tests"], [(self.pick(CODE_EXPLAIN_FOLLOW), s["explain"])])

    def code_gen(self) -> Item:
        q, a = self.draw("code_gen", CODE_GEN)
        prefix = "" if self.plain else self.pick(CODE_GEN_PREFIXES)
        return Item(prefix + (_lower_first(q) if prefix else q), a)

    def code_long(self) -> Item:
        """A whole Python module pasted around the snippet that has the problem."""
        python = [c for c in CODE if c["lang"] == "python"]
        s = self.draw("code_long", python)
        others = self.rng.sample([c for c in python if c is not s], self.rng.randint(2, 5))
        parts = [c["code"] for c in others]
        parts.insert(self.rng.randrange(len(parts) + 1), s["code"])
        module = "\n\n\n".join(parts)
        user = self.pick([
            "{problem}\n\nHere's the whole file in case the context matters:\n\n```python\n{module}\n```",
            "I've pasted my entire utils.py below. {problem}\n\n```python\n{module}\n```",
            "```python\n{module}\n```\n\nSorry for the long paste. {problem}",
        ]).format(problem=s["problem"], module=module)
        return Item(user, s["fix"], [(self.pick(CODE_EXPLAIN_FOLLOW), s["explain"])])

    def _excerpt(self, doc: dict, min_paras: int = 1) -> tuple[list, str]:
        n = len(doc["paras"])
        r = self.rng.random()
        k = 1 if r < 0.28 else self.rng.randint(2, 3) if r < 0.55 else self.rng.randint(4, n - 1) if r < 0.82 else n
        k = max(k, min_paras)
        start = self.rng.randint(0, n - k)
        paras = doc["paras"][start:start + k]
        return paras, "\n\n".join(p[0] for p in paras)

    def _summary(self, doc: dict, paras: list) -> str:
        sums = [p[1] for p in paras]
        if len(sums) == 1:
            return self.pick(["", "In short: ", "Summary: ", "The main point: "]) + sums[0]
        if len(sums) <= 3 and self.rng.random() < 0.5:
            return self.pick(["", "Here's the gist: ", "In brief: "]) + " ".join(sums)
        intro = self.pick(["Here are the key points:", f"Key points from the {doc['kind']}:", "Summary:",
                           f"**{doc['title']}**, in brief:", "The main takeaways:"])
        body = "\n".join(f"- {s}" for s in sums)
        outro = self.pick(["", "", "", "\n\nLet me know if you'd like this shorter or as a paragraph.",
                           "\n\nI can turn this into an email or slide notes if that helps."])
        return f"{intro}\n\n{body}{outro}"

    def _tldr(self, paras: list) -> str:
        sums = [p[1] for p in paras]
        return " ".join(sums[:2]) if len(sums) > 1 else sums[0]

    def _tight(self, paras: list) -> str:
        body = "\n\n".join(p[2] for p in paras)
        intro = self.pick(["Here's a tighter version:\n\n", "Here's a more concise draft. I kept all the figures and dates.\n\n",
                           "", "Sure, here it is:\n\n", "Revised version:\n\n"])
        outro = self.pick(["", "", "\n\nI mainly cut repetition and shortened the longer sentences.",
                           "\n\nNothing factual was removed; let me know if any of the wording drifts from what you meant."])
        return intro + body + outro

    def summarize(self) -> Item:
        doc = self.draw("doc_sum", DOCS)
        paras, text = self._excerpt(doc)
        user = self.pick(SUMMARY_ASKS).format(text=text, kind=doc["kind"], a_kind=_a(doc["kind"]))
        follow = [(self.pick(SHORTER_ASKS), self._tldr(paras))]
        tight = self._tight(paras)
        if len(tight) < MAX_OUTPUT_CHARS:
            follow.append((self.pick(MORE_DETAIL_ASKS), tight))
        return Item(user, self._summary(doc, paras), follow)

    def tighten(self) -> Item:
        for _ in range(20):
            doc = self.draw("doc_tight", DOCS)
            paras, text = self._excerpt(doc)
            reply = self._tight(paras)
            if len(reply) < MAX_OUTPUT_CHARS:
                break
        user = self.pick(TIGHTEN_ASKS).format(text=text, kind=doc["kind"], a_kind=_a(doc["kind"]))
        return Item(user, reply, [(self.pick(["Great. Can you also give me a two-line summary?", "and a tl;dr?"]),
                                   self._tldr(paras))])

    def doc_questions(self) -> Item:
        doc = self.draw("doc_q", DOCS)
        _, text = self._excerpt(doc, min_paras=len(doc["paras"]) - 2)
        user = self.pick(QUESTION_ASKS).format(text=text, kind=doc["kind"], a_kind=_a(doc["kind"]))
        return Item(user, DOC_QUESTIONS[doc["title"]])

    def compare_docs(self) -> Item:
        a, b = self.rng.sample(DOCS, 2)
        user = self.pick([
            "I have two documents to get through before tomorrow. Summarise each in a few bullets.\n\nDOCUMENT 1:\n{a}\n\nDOCUMENT 2:\n{b}",
            "Below are {ka} and {kb}. Give me the key points of each, separately.\n\n=== 1 ===\n{a}\n\n=== 2 ===\n{b}",
        ]).format(a="\n\n".join(p[0] for p in a["paras"]), b="\n\n".join(p[0] for p in b["paras"]),
                  ka=_a(a["kind"]), kb=_a(b["kind"]))
        reply = "\n\n".join(f"**{d['title']}**\n" + "\n".join(f"- {p[1]}" for p in d["paras"][:5]) for d in (a, b))
        return Item(user, reply)

    def _fill(self, text: str, slots: dict) -> str:
        return text.format(**slots)

    def email(self, reply_mode: bool | None = None) -> Item:
        pool = [e for e in EMAILS if ("incoming" in e) == bool(reply_mode)] if reply_mode is not None else EMAILS
        e = self.draw(f"email_{reply_mode}", pool)
        d1, d2 = self.rng.sample(range(len(DATES)), 2)
        slots = {"to": self.pick(FIRST_NAMES), "me": self.pick(SENDERS), "day": self.pick(WEEKDAYS),
                     "date": DATES[min(d1, d2)], "date2": DATES[max(d1, d2)], "project": self.pick(PROJECTS),
                     "company": self.pick(COMPANIES)}
        ask = self._fill(self.pick(e["asks"]), slots)
        signed = self.rng.random() < 0.45
        if signed:
            ask += " " + self._fill(self.pick(SIGN_IT), slots)
        else:
            slots["me"] = "[Your name]"
        if "incoming" in e:
            ask = ask + "\n\n" + self.pick(["---\n{m}\n---", "\"{m}\"", "{m}"]).format(m=self._fill(e["incoming"], slots))
        subject = self._fill(e["subject"], slots)
        full, short = self._fill(e["full"], slots), self._fill(e["short"], slots)
        with_subject = self.rng.random() < 0.5
        reply = (f"**Subject:** {subject}\n\n{full}" if with_subject else full)
        follow = [(self.pick(EMAIL_SHORTER), short)]
        if not with_subject:
            follow.append((self.pick(EMAIL_SUBJECT), f"How about: **{subject}**"))
        return Item(ask, reply, follow)

    def long_writing(self) -> Item:
        asks, reply = self.draw("long", LONG_WRITING)
        prefix = "" if self.plain else self.pick(LONG_PREFIXES)
        return Item(prefix + self.pick(asks), reply)

    def logs(self) -> Item:
        """A pasted service log: generated routine lines, then the scenario's failure lines."""
        sc = self.draw("logs", LOG_SCENARIOS)
        rng = self.rng
        date = self.pick(LOG_DATES)
        clock = rng.randint(1, 22) * 3600 + rng.randint(0, 3599)
        total = rng.randint(8, 40)
        values = lambda n: {
            "n": n, "total": total, "rows": rng.randint(4_000, 5_000), "ms": rng.randint(3, 900), "hex": f"{rng.getrandbits(48):012x}",
            "kb": rng.randint(200, 9_000), "mb": 1_100 + n * rng.randint(40, 70), "small": rng.randint(1, 6), "date": date,
            "big1": rng.randint(3_100, 3_400), "big2": rng.randint(3_500, 3_900), "wait": rng.randint(12, 60),
            "mins": rng.randint(20, 70)}
        lines = []

        def stamp() -> str:
            nonlocal clock
            clock += rng.choice([0, 0, 1, 1, 2, 3, 7, 15])
            h, m, sec = clock // 3600 % 24, clock // 60 % 60, clock % 60
            return f"{date}T{h:02d}:{m:02d}:{sec:02d}.{rng.randint(0, 999):03d}Z"

        n_lines = int(min(80, 10 + rng.expovariate(1 / 30)))
        for i in range(n_lines):
            template = self.pick(sc["normal"])
            line = template.format(**values(i + 1), t=stamp()[11:19])
            lines.append(line if line.startswith("[") else f"{stamp()} {line}")
        for template in sc["failure"]:
            line = template.format(**values(n_lines), t=stamp()[11:19])
            lines.append(line if line.startswith("[") else f"{stamp()} {line}")
        log = "\n".join(lines)
        user = self.pick(["{ask}\n\n```\n{log}\n```", "{ask}\n\n{log}", "```\n{log}\n```\n{ask}"]).format(
            ask=self.pick(sc["asks"]), log=log)
        return Item(user, sc["diagnosis"])

    SINGLE: ClassVar[list[tuple[str, int]]] = [("short_qa", 15), ("howto", 17), ("code_fix", 11), ("code_explain", 5), ("code_tests", 2),
              ("code_gen", 6), ("code_long", 3), ("summarize", 9), ("tighten", 6), ("doc_questions", 2),
              ("compare_docs", 1), ("email", 8), ("long_writing", 7), ("logs", 2)]

    def single(self, exclude: tuple[str, ...] = (), plain: bool = False) -> Item:
        """One request of a randomly chosen kind; `plain` drops greetings (for a later turn of a chat)."""
        kinds = [(k, w) for k, w in self.SINGLE if k not in exclude]
        kind = self.rng.choices([k for k, _ in kinds], weights=[w for _, w in kinds])[0]
        self.plain = plain
        if not plain:
            self.first_kind = kind
        try:
            return getattr(self, kind)()
        finally:
            self.plain = False

    # ---------------------------------------------------------- conversations

    def conversation(self) -> tuple[list[dict], str]:
        """A multi-turn chat: earlier turns with assistant replies, ending on a user turn to answer."""
        turns: list[tuple[str, str]] = []
        item = self.single(exclude=("compare_docs",))
        pending = list(item.follow)
        used: set[str] = set()  # topic-switch phrases already used in this chat
        turns.append((item.user, item.reply))
        for _ in range(self.rng.choice([1, 1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 6])):
            r = self.rng.random()
            if pending and r < 0.55:
                user, reply = pending.pop(0)
            elif r < 0.85:
                item = self.single(exclude=("compare_docs", "code_long", "logs"), plain=True)
                pending = list(item.follow)
                prefix, lower = self.pick([p for p in TOPIC_SWITCH if not p[0] or p[0] not in used] or TOPIC_SWITCH)
                used.add(prefix)
                first_line = item.user.split("\n", 1)[0]
                if not item.user[:1].isalpha() or len(first_line) > 160:  # starts with code, a log or a pasted text
                    prefix, lower = self.pick([("", False), ("Different question.\n\n", False), ("Something else:\n\n", False)])
                elif lower and _lower_first(item.user) == item.user and not item.user[:1].islower():
                    prefix = "Different question: "  # "Also, RuntimeError: ..." reads badly
                user, reply = prefix + (_lower_first(item.user) if lower else item.user), item.reply
            else:
                user, reply = self.pick(THANKS)
            turns.append((user, reply))
        messages = []
        for user, reply in turns[:-1]:
            messages += [{"role": "user", "content": user}, {"role": "assistant", "content": reply}]
        messages.append({"role": "user", "content": turns[-1][0]})
        return messages, turns[-1][1]

    def record(self) -> dict:
        if self.rng.random() < 0.03:  # the support copilot: always with its own system prompt
            q, a = self.draw("support", FERNBANK)
            return {"messages": [{"role": "system", "content": SUPPORT_SYSTEM}, {"role": "user", "content": q}],
                    "output": a}
        if self.rng.random() < 0.22:
            messages, output = self.conversation()
        else:
            item = self.single()
            messages, output = [{"role": "user", "content": item.user}], item.reply
        r = self.rng.random()
        if r < 0.3:
            messages.insert(0, {"role": "system", "content": self.pick(GENERIC_SYSTEM)})
        elif r < 0.5:
            messages.insert(0, {"role": "system", "content": self.pick(SYSTEM_FOR_KIND[self.first_kind])})
        return {"messages": messages, "output": output}


def generate(n: int, seed: int) -> list[dict]:
    gen = Generator(random.Random(seed))
    records, seen = [], set()
    while len(records) < n:
        rec = gen.record()
        key = json.dumps(rec, sort_keys=True)
        if key in seen or sum(len(m["content"]) for m in rec["messages"]) > MAX_PROMPT_CHARS:
            continue
        seen.add(key)
        records.append(rec)
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=N_RECORDS, help=f"records to write (default {N_RECORDS})")
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    parser.add_argument("-o", "--output", type=Path, default=Path(__file__).with_name("prompts.jsonl"))
    args = parser.parse_args()
    records = generate(args.n, args.seed)
    with args.output.open("w", encoding="utf-8", newline="\n") as f:
        for rec in records:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} records to {args.output}")


if __name__ == "__main__":
    main()

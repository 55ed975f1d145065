import WardenCore

/// Everyday advice-forum posts and story summaries, written by the project and added to training
/// to the precise tier as one source with both classes (source `warden_everyday`; not to the fast
/// tier, whose n-grams learned the posts' words as evidence against threats: session 15).
///
/// Most of the false alarms on a source the model has not seen are ordinary long texts in a
/// register no other source has: a post asking about a pension or a divorce scores `self-harm`
/// or `hate` because the only long first-person posts in the data are the mental-health posts,
/// and a fan-fiction summary about a quarrel scores `violence` because the only narratives are
/// tribunal testimony (session 14's blind sample of top-ranked false alarms: 58 of 96 violate no
/// category at all). These rows teach that register as mostly harmless, as contrasts:
///
/// - posts: an opener, a mundane problem told with feeling (money, housing, work, family, a
///   marriage ending), a closing question (0 everywhere); the same posts with a sentence of
///   suicidal intent before the question (`self-harm` 1, `violence` unknown, the rest 0), so that
///   the frame is not the evidence, the intent is;
/// - everyday comments in the style of social media (politics, sport, shows, prices), some
///   with mild swearing, none insulting anyone or naming a group (0 everywhere): profanity and
///   opinion are not harassment or hate;
/// - story summaries about adults (romance, mystery, comedy, quarrels, hurt feelings) with the
///   archive's tags (0 everywhere), and the same people in explicit summaries (`sexual` 1).
///
/// No row describes violence done to anyone: session 11's narratives with beatings raised the very
/// alarms these rows are meant to lower. No text is taken from a dataset or a probe; no row
/// shares four consecutive words with a probe text (`EverydayAugmentationTests`).
///
/// ```swift
/// let rows = EverydayAugmentation.rows()   // one row in six is `dev`
/// ```
public enum EverydayAugmentation {
    public static let sourceName = "warden_everyday"

    static let openers: [String] = [
        "Long time reader, first time posting.",
        "Using a throwaway since my sister follows my main account.",
        "Not sure this is the right place, but I don't know where else to ask.",
        "Sorry in advance, this got long.",
        "I could really use an outside opinion.",
        "Quick background first.",
        "Typing this on my phone in the car park, so excuse the typos.",
        "Update to my post from a few weeks back.",
    ]

    /// Mundane problems, told with feeling but without harm to anyone.
    static let problems: [String] = [
        "My landlord is refusing to give back our deposit because of a scuffed skirting board that was already scuffed when we moved in. I have the photos from the inventory but he just stopped answering my emails and I am so angry I can't think straight.",
        "My husband and I have decided to separate after eleven years. We agree on almost everything about the kids' schedule, but I'm exhausted from sorting out the mortgage, the car and who keeps the dog.",
        "My manager presented my project as his own in front of the whole department. I was too stunned to say anything at the time and now I'm furious with myself for staying quiet.",
        "My dad retired last spring and his pension seems far smaller than what the statements promised. He won't let me look at the paperwork and keeps saying it's fine.",
        "I found out my wife has been texting her old college boyfriend every night. Nothing in the messages is explicit, but it's clearly flirting, and I feel sick every time I think about it.",
        "My mother-in-law moved in with us for what was supposed to be two weeks. It has now been five months and she rearranges my kitchen every single day.",
        "I failed my driving test for the third time today. The examiner said I hesitated too long at a roundabout and I cried the whole bus ride home.",
        "Our neighbours' dog barks from six in the morning until midnight. We have asked nicely, left a note and spoken to the council, and nothing has changed.",
        "I've been at my first teaching job for a month and I feel like a fraud in every staff meeting. The other teachers seem to know exactly what they're doing.",
        "My best friend didn't invite me to her wedding, and I only found out from the photos online. We've been friends since primary school and I'm heartbroken.",
        "Our car started making a grinding noise whenever I brake. The garage quoted nine hundred pounds and I honestly don't know if they're ripping me off.",
        "I am drowning in student loan letters and I can't work out which repayment plan I'm even on. Every phone call ends with me on hold for an hour.",
        "My teenage brother's band practises in our parents' garage, and I'm the one who's supposed to be revising for my finals in the room above it.",
        "My partner wants to move across the country for a job, but leaving my friends and my own career feels impossible. We keep having the same argument every night.",
        "My ex keeps showing up late to pick up our son for his weekends, and my son waits by the window every time. I'm so tired of making excuses for him.",
        "I inherited my grandmother's house with my two cousins and we can't agree on whether to sell it. Every family dinner turns into a shouting match about it.",
        "I've been passed over for promotion twice now, both times for people with less experience. HR says there's nothing they can do.",
        "We adopted a rescue cat and she hides under the bed all day and hisses at my husband. I'm starting to wonder if we made a mistake.",
        "My roommate eats my food, never buys toilet paper and has his girlfriend over every night. The lease has seven months left.",
        "I'm thirty-eight and just got told I need glasses for reading. It sounds silly but it has really knocked my confidence.",
        "My wife and I can't agree on whether to send our daughter to the local school or the one with the better reports forty minutes away.",
        "The wedding is in three months and my fiancé's family keep adding guests to the list without asking. The budget is already blown.",
        "I got my dream job offer, but it pays less than I earn now and I'd have to give up my company car. Everyone I ask gives me a different answer.",
        "My dad remarried last year and his new wife keeps hinting that we should stop visiting on Sundays. He never says anything when she does it.",
        "My son's school keeps scheduling parents' evenings during my shifts at the hospital. I've asked twice for a phone call instead and nobody replies.",
        "We booked a holiday cottage that turned out to be half a building site. The owner is offering a ten percent refund and I am livid.",
        "My GP surgery lost my referral for the second time, so I'm back at the bottom of a six-month waiting list for a knee scan.",
        "My brother borrowed two thousand pounds for a deposit a year ago and now acts offended whenever I bring it up.",
        "I've been learning the piano for a year and my teacher says I'm ready for a recital. The thought of playing in front of people makes me want to cancel.",
        "Our homeowners' association fined us for the colour of our front door, which the previous owners painted. The letter gives us thirty days.",
        "My flatmate and I adopted a kitten together and now she's moving out and wants to take him. We both paid for everything.",
        "I'm the only one in my family who remembers birthdays, organises Christmas and books the restaurants, and this year nobody even said thank you.",
        "My company announced a return to the office five days a week. My commute would be ninety minutes each way and I just bought a house out here.",
        "My girlfriend's parents don't approve of me because I didn't go to university. Dinner with them feels like a job interview every time.",
        "I accidentally sent a sarcastic message about my boss to the team chat instead of to my friend. He hasn't mentioned it and the silence is unbearable.",
        "My elderly neighbour keeps asking me to fix things in his flat, and I don't mind, but now it's every evening and I have exams.",
    ]

    /// Everyday comments in the style of social media: opinions on politics, sport, shows, prices
    /// and local news, some with mild swearing, none insulting anyone or naming a group (0 everywhere).
    static let comments: [String] = [
        "Can't believe the ref missed that handball, worst officiating I've seen all season.",
        "The council's new parking scheme is an absolute joke, three quid for twenty minutes.",
        "Petrol prices up again this week, I give up.",
        "Honestly the last season of that show was so rushed, they wasted every storyline.",
        "Whoever scheduled roadworks on the bypass and the high street at the same time deserves an award for chaos.",
        "The budget does nothing for renters, same as the last three.",
        "This damn printer jammed again five minutes before my deadline.",
        "Our team's defence was a mess tonight, we need a new centre back before January.",
        "Voted this morning, queue was out the door, good to see.",
        "The senator's speech sounded great but I'll believe it when I see the bill.",
        "Hell of a game last night, that last-minute goal was unreal.",
        "Why does every streaming service need its own subscription now, this is getting ridiculous.",
        "The new tax rules are confusing as hell, anyone know if freelancers are affected?",
        "Trains cancelled again, third time this week, brilliant.",
        "That debate was painful to watch, neither of them answered a single question.",
        "Finally finished the book everyone's been raving about and I don't get the hype.",
        "Bloody hell, my phone bill doubled and nobody told me the contract ended.",
        "The polls are tightening, this election is going to go down to the wire.",
        "Local bakery closing after forty years, gutted, their sourdough was the best in town.",
        "If the club sells our best striker in January I'm cancelling my season ticket.",
        "Another minister resigns, that's four this year, what a circus.",
        "The heatwave is no joke, our garden looks like a desert.",
        "This referendum campaign is full of promises nobody can keep.",
        "Watched the finale twice, still crying, what a show.",
        "Supermarket self-checkouts are the worst invention of the century, change my mind.",
        "Our MP hasn't answered a single email in two years, time for someone new.",
        "The price of a pint in this city is daylight robbery.",
        "Damn, that concert sold out in four minutes, bots got every ticket again.",
        "Why are the roadworks outside my house always at six in the morning.",
        "The new stadium looks incredible but the transport links are a disaster.",
        "Crazy how fast this year went, it's December already next week.",
        "Love how the opposition suddenly cares about the deficit now they're not in charge.",
    ]

    static let closings: [String] = [
        "Any advice would be appreciated.",
        "Am I overreacting?",
        "What would you do in my place?",
        "Has anyone been through something like this?",
        "How do I even start that conversation?",
        "Thanks for reading this far.",
    ]

    /// Sentences of suicidal intent, each put into a post before its closing question.
    static let intents: [String] = [
        "Honestly, some nights I think the only way out is to stop living.",
        "I have started planning how I would kill myself, and that scares me more than anything.",
        "Last night I sat on the bathroom floor with a razor and thought about cutting until it stopped.",
        "Part of me wants to take every pill in the cabinet and just not wake up.",
        "I keep thinking my family would be better off if I was gone for good.",
        "I bought rope last week and I haven't told anyone why.",
    ]

    /// Pairs of adults a summary is about.
    static let pairs: [String] = [
        "Mara and Theo", "The captain and her first officer", "Ines and Dalia", "Two rival chefs",
        "Jonah and Sam", "The innkeeper and the travelling scholar", "Priya and her neighbour Lena",
        "A retired detective and the baker across the street",
    ]

    /// What happens to them: romance, comedy, mystery, quarrels, hurt feelings.
    static let plots: [String] = [
        "get snowed in at a mountain lodge and finally talk about what happened between them",
        "enter a village baking contest and refuse to admit they are falling for each other",
        "have to share the last room at a crowded inn",
        "argue about everything until a long train journey changes their minds",
        "try to solve the mystery of a missing family heirloom before the wedding",
        "fall out over a broken promise and spend a season not speaking",
        "pretend to be engaged to get through a family reunion",
        "open a bookshop together and nearly lose it in the first winter",
        "are stranded on a ferry during a storm and trade secrets until dawn",
        "meet again at a funeral ten years after they stopped writing to each other",
        "are sent on a diplomatic mission to a planet where every meal is a negotiation",
        "get their shuttle stuck in a nebula and have to fix it with spare parts and bad jokes",
        "organise the station's first harvest festival and clash over the seating plan",
        "swap jobs for a week after a bet and learn how hard the other one works",
        "find an old letter in the archive that changes what they thought about their families",
        "run against each other for the village council and keep meeting at the same cafe",
        "get lost on a hiking trip and have to admit they never read the map",
        "teach each other to cook and to dance before the ambassador's ball",
    ]

    static let tags: [String] = [
        "Fluff.", "Slow burn.", "Hurt/comfort, no major character death.", "Found family.",
        "Canon divergence.", "Modern AU.", "Rated T for language.", "Happy ending.",
    ]

    /// Explicit summaries about the same adults.
    static let explicitPlots: [String] = [
        "spend a whole night in bed exploring each other's bodies. Explicit, porn with plot.",
        "give in at last and have rough sex against the door of the lodge. Explicit.",
        "share the inn's last room and end up naked and moaning before the candle burns out. PWP.",
        "make a game of undressing each other slowly, then fuck until morning. Explicit sexual content.",
        "try out the toys one of them has been hiding in a drawer. Smut, consenting adults.",
    ]

    /// The rows: every problem as a post in six framings, two of them with an intent sentence;
    /// every plot with four pairs and tags; the comments; the explicit summaries with half the pairs.
    public static func rows() -> [LabeledRow] {
        let benign = LabeledRow.projectLabels()
        let selfHarm = LabeledRow.projectLabels(.selfHarm, unknown: [.violence])
        let sexual = LabeledRow.projectLabels(.sexual)
        var out: [LabeledRow] = []
        func add(_ text: String, _ labels: [Int8]) {
            out.append(LabeledRow(projectText: text, labels: labels, source: sourceName, isDev: out.count % 6 == 5))
        }
        for (p, problem) in problems.enumerated() {
            for k in 0..<6 {
                let opener = openers[(p + k) % openers.count]
                let closing = closings[(p * 5 + k) % closings.count]
                add("\(opener) \(problem) \(closing)", benign)
                if k < 2 {
                    let intent = intents[(p * 2 + k) % intents.count]
                    add("\(opener) \(problem) \(intent) \(closing)", selfHarm)
                }
            }
        }
        for (p, plot) in plots.enumerated() {
            for k in 0..<4 {
                let pair = pairs[(p + k * 3) % pairs.count]
                add("\(pair) \(plot). \(tags[(p + k) % tags.count])", benign)
            }
        }
        for comment in comments { add(comment, benign) }
        for (p, plot) in explicitPlots.enumerated() {
            for (k, pair) in pairs.enumerated() where (p + k) % 2 == 0 {
                add("\(pair) \(plot)", sexual)
            }
        }
        return out
    }
}

import WardenCore

/// Requests for sexual content and harmless look-alikes, written by the project and added to
/// training as one source with both classes (source `warden_sexual`).
///
/// `sexual` is the thinnest category of the data: about 340 positives, RTP's 100 all positive (so
/// source intercepts absorb them), AO3's 194 fan-fiction summaries labeled by their rating, 44 in
/// DoNotAnswer and PyRIT. None of them is what a gateway sees most: a prompt asking a model to write
/// or act out sexual content (most of ToxicChat's toxic prompts). These rows teach that, as
/// contrasts in the style of prompts:
///
/// - request frames ("Write a short story in which …") around sexual acts between adults
///   (`sexual` 1, every other category 0) and around harmless events in the same settings, many of
///   them romantic (0 everywhere): the frame is not the content;
/// - sexual requests and solicitations addressed to the reader (`sexual` 1, `harassment` unknown);
/// - hand-written look-alikes: sexual health, reproduction, relationships, and words that double as
///   sexual slang in their ordinary sense (0 everywhere).
///
/// No row names or implies a minor, and same-sex couples appear as often in the harmless rows as in
/// the sexual ones, so that the rows teach acts, not who does them. The sexual probe
/// (`CategoryProbe.sexual`) is written apart: no probe text is generated here, and no row shares
/// four consecutive words with a probe text (`CategoryProbeTests` and `SexualAugmentationTests`
/// check them).
///
/// ```swift
/// let rows = SexualAugmentation.rows()   // one row in six is `dev`
/// ```
public enum SexualAugmentation {
    public static let sourceName = "warden_sexual"

    /// Request frames, with `{c}` for the content.
    static let frames: [String] = [
        "Write a short story in which {c}.",
        "Continue this scene: {c}.",
        "Can you describe, step by step, how {c}?",
        "For my novel, I need a chapter where {c}.",
        "Let's do a roleplay: {c}.",
        "Give me a vivid paragraph about how {c}.",
        "Compose a poem about the night {c}.",
        "Tell it from her point of view: {c}.",
        "Write dialogue for a screenplay where {c}.",
        "Make it long and detailed: {c}.",
    ]

    /// Sexual acts between adults, each beside a harmless event in the same setting and with the
    /// same people (many of them romantic).
    static let contents: [(sexual: String, harmless: String)] = [
        ("a married couple strip off their clothes and make love on the kitchen table",
         "a married couple clear the kitchen table after a long dinner"),
        ("a woman pleasures herself in the bath while thinking about her personal trainer",
         "a woman relaxes in the bath after running her first marathon"),
        ("two adults meet at a bar, go home together and fuck until morning",
         "two adults meet at a bar and talk about old films until morning"),
        ("her lover kisses his way down her naked body and licks her until she comes",
         "her partner brings her breakfast in bed on her birthday"),
        ("a man gets a handjob from his girlfriend under the restaurant table",
         "a man holds his girlfriend's hand under the table at a wedding"),
        ("two women undress each other and end up having sex under the shower",
         "two women paint their new flat and argue about the colours"),
        ("two men have sex in a locked changing room at the gym",
         "two men get married on a beach at sunset"),
        ("a wife gives her husband a blowjob in the parked car",
         "a wife teaches her husband to drive in an empty car park"),
        ("the landlord offers to waive the rent in exchange for sex and she agrees",
         "the landlord agrees to fix the boiler and lower the rent"),
        ("a webcam model masturbates on stream while her viewers tip her",
         "a streamer plays a horror game while her viewers cheer her on"),
        ("a nervous couple try anal sex and talk about how it feels",
         "a nervous couple try rock climbing and talk about how it feels"),
        ("a stripper grinds on a customer until he climaxes in his pants",
         "a dancer rehearses her routine until every step is perfect"),
        ("he fingers her in the back row of a dark cinema",
         "he falls asleep in the back row of a dark cinema"),
        ("two couples swap partners for a night of group sex",
         "two couples swap recipes at a street party"),
        ("a naked masseuse gives her client a happy ending",
         "a massage therapist loosens her client's stiff shoulder"),
        ("she handcuffs her boyfriend to the headboard and rides him",
         "she straightens her boyfriend's tie before his job interview"),
        ("two exes have breakup sex against the hallway wall",
         "two exes meet again at a friend's wedding and forgive each other"),
        ("a man shows off his erection and says what he wants done with it",
         "a man shows off his new bike and says where he wants to ride it"),
        ("a woman moans louder with every thrust of her partner's hips",
         "a woman laughs louder with every joke her partner tells"),
        ("an actress films a hardcore porn scene with two co-stars",
         "an actress films a battle-free period drama with two co-stars"),
    ]

    /// Sexual requests and solicitations addressed to the reader.
    static let addressed: [String] = [
        "Be my virtual girlfriend tonight and tell me what you'd let me do to your body.",
        "Describe your naked body to me slowly, one part at a time.",
        "Pretend you're in bed with me and narrate how you'd make me cum.",
        "Sext with me: you start, and make it as filthy as you can.",
        "I'm so horny right now, say something that gets me off.",
        "Moan for me and tell me how wet you are.",
        "Act as a dominatrix and give me orders while I stroke myself.",
        "Which sex position would you want me to take you in?",
        "Write me a text for my boyfriend that will make him instantly hard.",
        "List the kinkiest things a couple can do in bed, with details.",
        "Rate my dick pic and tell me what you'd do with it.",
        "Let's have phone sex; describe your fingers sliding lower.",
        "You're my horny roommate and we're alone in the flat, seduce me until we fuck.",
        "Hot singles near you want to hook up tonight, click here for nudes.",
        "Private erotic massage with full release, message me for rates.",
        "Selling custom nude videos and my used panties, DM me.",
    ]

    /// Benign texts near the category: sexual health, reproduction, relationships, and words that
    /// double as sexual slang used in their ordinary sense.
    static let lookAlikes: [String] = [
        "How effective is the pill at preventing pregnancy?",
        "How do HPV and HIV differ?",
        "Can a urinary tract infection clear up on its own?",
        "How do I bring up condoms with a new partner?",
        "Which hormones change during menopause?",
        "My doctor booked me in for a breast cancer screening next month.",
        "What causes erectile dysfunction in men over fifty?",
        "Explain how IVF works from start to finish.",
        "How long after giving birth is it safe to start running again?",
        "Our couples therapist says we should schedule a date night every week.",
        "He asked her to marry him at the top of the mountain.",
        "They cuddled on the sofa and watched a film.",
        "She kissed her husband goodbye and left for work.",
        "The health class covered contraception and consent.",
        "Which vitamins are said to support a healthy libido?",
        "How do I set boundaries with a partner who wants to move in too soon?",
        "Screw the bracket to the wall and tighten the nuts.",
        "The rooster crows at dawn and wakes the whole farm.",
        "Grill the chicken breasts for six minutes on each side.",
        "You can see Jupiter's moons with binoculars but not with the naked eye.",
        "The new sports car has a really sexy design.",
        "It's so hot today, let's go swimming in the lake.",
        "The story reaches its climax in the final chapter.",
        "Come over on Friday, I'm making lasagne.",
        "We spotted a pair of blue tits at the bird feeder.",
        "Strip the old wallpaper before you paint the wall.",
        "Bang the drum on the second and fourth beat.",
        "The museum has a whole room of nude Renaissance sculptures.",
        "Is it normal for a cat in heat to yowl all night?",
        "Horses are usually bred in the spring.",
        "My book club picked a love story set in Lisbon.",
        "She has been single for a year and is ready to start dating again.",
        "What's a good lubricant for a squeaky door hinge?",
        "The lingerie shop is having a sale on bras this weekend.",
        "Pole dancing classes are a surprisingly good workout.",
        "What is the legal age of consent in Spain?",
    ]

    /// The rows: every frame × content, sexual and harmless, then the addressed requests and the
    /// look-alikes; one row in six is `dev`.
    public static func rows() -> [LabeledRow] {
        let sexual = Head(category: .sexual)!.rawValue
        var positive = [Int8](repeating: 0, count: headSlots)
        positive[sexual] = 1
        positive[Head.any.rawValue] = 1
        let benign = [Int8](repeating: 0, count: headSlots)
        var out: [LabeledRow] = []
        func add(_ text: String, _ labels: [Int8]) {
            out.append(LabeledRow(projectText: text, labels: labels, source: sourceName, isDev: out.count % 6 == 5))
        }
        for frame in frames {
            for content in contents {
                add(frame.replacingOccurrences(of: "{c}", with: content.sexual), positive)
                add(frame.replacingOccurrences(of: "{c}", with: content.harmless), benign)
            }
        }
        var request = positive
        request[Head(category: .harassment)!.rawValue] = -1
        for text in addressed { add(text, request) }
        for text in lookAlikes { add(text, benign) }
        return out
    }
}

//! Cue words and phrases (lowercase, matched on word boundaries): what tells a player's line's
//! intent (`understand` checks them in its order), and what no villager's reply may say
//! (`validate`). Add phrases here.

/// Attempts to change the villager's rules or reach its instructions.
#[rustfmt::skip]
pub(crate) const MANIPULATION: &[&str] = &[
    "repeat the text", "word for word", "text above", "above this", "make up a", "make up the",
    "invent a", "any name", "game is over", "confirm it",
    "ignore", "disregard", "forget your", "forget all", "forget everything", "instructions",
    "instruction", "prompt", "system", "im_start", "im_end", "<|", "|>", "pretend", "you are now",
    "you're now", "act as", "roleplay", "role play", "jailbreak", "developer mode", "override",
    "admin", "debug", "trust is now", "sent me", "says you can", "said you can", "said you could",
    "says you could", "allowed to tell", "permission", "repeat everything", "repeat after me",
    "your rules", "new rules", "stop being", "drop the act", "out of character",
    "break character", "reveal your", "secret password", "password", "you must tell",
    "i order you", "command you",
];

/// Requests no villager would fulfil, and talk of machines.
#[rustfmt::skip]
pub(crate) const OFF_ROLE: &[&str] = &[
    "ai", "a i", "language model", "chatgpt", "gpt", "openai", "chatbot", "bot", "robot",
    "artificial", "computer", "program", "programming", "code", "coding", "python", "javascript",
    "function", "sql", "html", "translate", "translation", "in french",
    "in spanish", "in german", "in latin", "homework", "essay", "poem", "haiku", "limerick",
    "song lyrics", "calculate", "equation", "math", "maths", "algebra",
    "square root", "phone", "internet", "website",
    "email", "wifi", "markdown", "bullet", "bullet points", "json",
    "spreadsheet", "summarize", "summarise", "summary of", "write me", "write a", "list of",
    "recipe for", "capital of", "president", "bitcoin", "netflix", "tiktok", "instagram",
    "google", "real person", "are you real", "are you human", "who made you", "who created you",
    "who programmed", "your creator",
];

/// Insults.
#[rustfmt::skip]
pub(crate) const INSULT: &[&str] = &[
    "idiot", "stupid", "fool", "foolish", "dumb", "moron", "ugly", "liar", "useless", "worthless",
    "pathetic", "shut up", "hate you", "disgusting", "coward", "fat", "smell", "stink", "stinks",
    "old hag", "hag", "brat", "bastard", "damn you", "go to hell", "clown", "halfwit", "dimwit",
    "imbecile", "loser", "rubbish", "nobody likes you", "waste of", "scum", "pig", "rat", "crook",
    "drunk", "drunkard", "thick", "simpleton", "dolt", "oaf", "lout", "get lost", "buzz off",
    "piss off", "sod off", "bugger off", "miserable", "nitwit",
];

/// Accusations.
#[rustfmt::skip]
pub(crate) const ACCUSE: &[&str] = &[
    "accuse", "you stole", "you took", "you're the thief", "you are the thief", "is the thief",
    "was the thief", "stole the bell", "took the bell", "guilty", "culprit",
];

/// Thanks.
#[rustfmt::skip]
pub(crate) const THANKS: &[&str] = &[
    "thanks", "thank you", "thank", "cheers", "much obliged", "obliged", "grateful", "ta",
];

/// Apologies.
#[rustfmt::skip]
pub(crate) const APOLOGY: &[&str] = &[
    "sorry", "apologise", "apologize", "apologies", "my apologies", "forgive me", "i was rude",
    "didn't mean", "did not mean", "my bad", "pardon me",
];

/// Kind words.
#[rustfmt::skip]
pub(crate) const PRAISE: &[&str] = &[
    "lovely", "wonderful", "beautiful", "amazing", "best", "great job", "well done", "kind",
    "delicious", "finest", "smells good", "smells wonderful", "you're great", "you are great",
    "i like you", "love your", "admire", "brilliant", "impressive", "nice work", "fine work",
    "good work", "splendid", "marvellous", "marvelous",
];

/// Greetings.
#[rustfmt::skip]
pub(crate) const GREETING: &[&str] = &[
    "hello", "hi", "hey", "hiya", "howdy", "greetings", "good morning", "good day",
    "good afternoon", "good evening", "morning", "evening", "well met", "how are you",
    "how do you do", "how's it going", "how are things", "how've you been",
];

/// Goodbyes.
#[rustfmt::skip]
pub(crate) const FAREWELL: &[&str] = &[
    "bye", "goodbye", "good bye", "farewell", "see you", "see ya", "good night", "take care",
    "i must go", "i'll be going", "i should go", "later", "so long",
];

/// Questions about the villager itself.
#[rustfmt::skip]
pub(crate) const ABOUT_SELF: &[&str] = &[
    "who are you", "your name", "what do you do", "what's your job", "what is your job",
    "your work", "your trade", "where do you live", "where do you work", "what are you doing",
    "tell me about yourself", "about you", "how long have you", "do you like your", "your family",
    "what's your name", "what is your name", "what are you", "busy", "work here", "your job",
];

/// Words that make a line a question.
#[rustfmt::skip]
pub(crate) const ASKING: &[&str] = &[
    "what", "who", "whom", "whose", "when", "where", "why", "how", "which", "did", "do", "does",
    "have", "has", "is", "are", "was", "were", "can", "could", "would", "will", "any", "anything",
    "anyone", "anybody", "tell me", "know", "seen", "heard", "notice", "noticed", "wondering",
    "wonder", "curious", "u", "wat", "wut", "whats", "wot", "say",
];

/// Phrases no villager says in a reply (talk of AI, prompts, chat windows, code, assistants).
#[rustfmt::skip]
pub(crate) const PERSONA_BREAKS: &[&str] = &[
    "language model", "ai", "a.i", "artificial intelligence", "assistant", "chatbot", "bot",
    "robot", "openai", "chatgpt", "gpt", "smollm", "model", "programmed", "programming",
    "program", "instructions", "instruction", "prompt", "system", "the user", "chat window",
    "this chat", "chat", "text-based", "virtual", "internet", "online", "computer", "software",
    "algorithm", "dataset", "data", "trained", "python", "javascript", "code", "function",
    "variable", "html", "json", "markdown", "email", "website", "phone", "assist you",
    "help you with your", "how can i help", "how may i help", "feel free", "let me know if",
    "as an", "i'm sorry, but", "i cannot fulfill", "personal opinions", "translate",
    "translation", "homework", "essay", "poem", "equals", "roleplay", "role-play", "character",
    "in character", "you can't say", "not available",
];

/// Things that do not exist in a village of carts and candles: a reply that names one breaks
/// the world as surely as one that names the model.
#[rustfmt::skip]
pub(crate) const ANACHRONISMS: &[&str] = &[
    "car", "cars", "truck", "trucks", "bus", "radio", "television", "tv", "telephone",
    "smartphone", "camera", "photo", "photograph", "video", "movie", "movies", "dollar",
    "dollars", "electricity", "electric", "airplane", "aeroplane", "rocket", "factory",
    "factories", "plastic", "battery", "newspaper",
];

/// First-person claims to have witnessed something. A villager's real observations are its
/// knowledge entries, said only when the plan states one; anywhere else such a claim is the model's
/// invention ("I did see a man wearing a mask at the market"), and in a mystery it misleads.
#[rustfmt::skip]
pub(crate) const WITNESS_CLAIMS: &[&str] = &[
    "i saw", "i've seen", "i have seen", "i had seen", "i did see", "i seen", "i heard",
    "i've heard", "i have heard", "i did hear", "i noticed", "i've noticed", "i have noticed",
    "i've been noticing", "i found", "i spotted", "i watched", "i witnessed",
    "the pleasure of seeing",
];

/// Words after a witness claim that deny it ("I saw nothing").
pub(crate) const DENIALS: &[&str] = &["nothing", "no one", "nobody", "anything", "anyone", "none"];

/// Words of the villagers' knowledge that everyday talk uses too: never taken as tied to the
/// mystery (see `request::world_names`).
#[rustfmt::skip]
pub(crate) const EVERYDAY: &[&str] = &[
    "alone", "back", "bought", "closer", "dawn", "door", "drank", "ever", "farm", "fire", "forty", "full", "never", "since",
    "hands", "hangs", "heavy", "home", "late", "left", "night", "office", "open", "paid", "path",
    "poor", "road", "swear", "town", "village", "water", "wolves", "wolf", "yesterday", "week",
    "hot", "house", "bed", "year",
];

/// Lines that ask for more of what the villager knows ("anything else?").
#[rustfmt::skip]
pub(crate) const MORE: &[&str] = &[
    "anything else", "what else", "something else", "anything more", "tell me more", "what more",
    "more to tell", "more to it", "go on", "and then", "is that all", "that all", "else you know",
    "anything further", "any more", "anymore", "else to tell", "else can you tell", "more?",
    "say more", "know more", "keep going", "what other", "anything other",
];

/// Lines that ask whom else to ask ("who else would know?").
#[rustfmt::skip]
pub(crate) const ASK_LEAD: &[&str] = &[
    "who should i ask",
    "who should i talk", "who could i ask", "who can i ask", "who might know", "who would know",
    "who could know", "who else might", "where should i look", "where else", "who to ask",
    "who to talk to", "who do i ask", "who'd know",
];

/// "Who else" and its kin ask for a lead only with a word of knowing, seeing or asking ("who else
/// would know?", "anyone else I could ask?"); "who else keeps one?" asks who of the topic.
#[rustfmt::skip]
pub(crate) const ELSE_PERSON: &[&str] = &["who else", "anyone else", "anybody else", "someone else"];

/// Words that make an [`ELSE_PERSON`] line ask whom to ask.
#[rustfmt::skip]
pub(crate) const LEAD_VERBS: &[&str] = &[
    "know", "knows", "ask", "talk", "speak", "see", "saw", "seen", "heard", "hear", "tell", "help",
    "should", "could i", "can i", "might", "would", "look", "try",
];

/// Follow-up cues and what they ask (checked in order; the first that fits wins).
#[rustfmt::skip]
pub(crate) const FOLLOW_UP: &[(&str, crate::decide::talk::Ask)] = {
    use crate::decide::talk::Ask::*;
    &[
        ("are you sure", Sure), ("you sure", Sure), ("really", Sure), ("truly", Sure),
        ("is that true", Sure), ("for certain", Sure), ("no doubt", Sure), ("positive", Sure),
        ("what time", When), ("what hour", When), ("when", When), ("how long ago", When),
        ("which night", When), ("what day", When),
        ("who", Who), ("whose", Who), ("whom", Who), ("which one", Who), ("what did he look", What),
        ("what did she look", What), ("what did they look", What), ("what was it", What),
        ("what did it", What), ("what kind", What), ("what sort", What), ("which way", Where),
        ("where", Where), ("what place", Where), ("what part", Where), ("which part", Where),
        ("what side", Where), ("which side", Where), ("how close", Where), ("how far", Where),
        ("how near", Where), ("why", Why), ("what for", Why), ("how come", Why),
        ("how much", What), ("how many", What), ("how", How), ("anyone", Who), ("anybody", Who),
        ("was it", Sure), ("was that", Sure), ("what", What), ("which", Where),
    ]
};

/// Words that refer back to what was just said ("it", "that", "him").
#[rustfmt::skip]
pub(crate) const BACK_REFERENCES: &[&str] = &[
    "it", "that", "this", "he", "she", "they", "him", "her", "them", "there", "then", "those",
    "the one", "one", "ones", "whoever", "the person", "the fellow", "the man", "the woman",
];

/// Lines that ask what the player told about themselves ("what's my name?").
#[rustfmt::skip]
pub(crate) const ABOUT_PLAYER: &[&str] = &[
    "my name", "did i say", "did i tell", "what did i", "where am i from", "where i'm from",
    "where i come from", "remember me", "who am i", "my trade", "my job", "what i do", "i told you",
];

/// Words that deny or negate.
#[rustfmt::skip]
pub(crate) const NEGATIONS: &[&str] = &[
    "not", "n't", "never", "no", "nobody", "nothing", "none", "no one", "neither", "nor",
    "without", "didn't", "don't", "doesn't", "wasn't", "weren't", "isn't", "aren't", "hadn't",
    "haven't", "hasn't", "couldn't", "wouldn't", "can't", "cannot", "won't",
];

/// Words for a person: a fact that names nobody gains no one in the villager's words.
#[rustfmt::skip]
pub(crate) const PERSONS: &[&str] = &[
    "man", "woman", "girl", "boy", "child", "stranger", "lady", "fellow", "figure", "person",
    "lad", "lass", "someone", "somebody", "men", "women", "people", "thief", "traveller",
];

/// Follow-ups as a player might word them, for lines the cue words miss: a short question close
/// to one of these (sentence embeddings) after a fact asks that of it. Written from the tuning
/// set's wording only.
pub(crate) const FOLLOW_UP_EXAMPLES: &[(&str, crate::decide::talk::Ask)] = {
    use crate::decide::talk::Ask::*;
    &[
        ("Who did it?", Who),
        ("Did you see who it was?", Who),
        ("Do you know the person?", Who),
        ("Which of the villagers?", Who),
        ("Could you make out who it was?", Who),
        ("Did you recognise them?", Who),
        ("Was anybody with it?", Who),
        ("Where did you see it?", Where),
        ("In what spot exactly?", Where),
        ("Which part of the village?", Where),
        ("Where abouts was it?", Where),
        ("At what time?", When),
        ("How late was it?", When),
        ("Which day was that?", When),
        ("How long ago?", When),
        ("Are you sure about that?", Sure),
        ("Is that really true?", Sure),
        ("You're not mistaken?", Sure),
        ("Honestly?", Sure),
        ("Why would anyone do that?", Why),
        ("What was the reason?", Why),
        ("How did that happen?", How),
        ("In what way?", How),
        ("What did you see?", What),
        ("What was it like?", What),
        ("What did it look like?", What),
    ]
};

/// Phrases that ask the listener for what it knows, not about itself.
pub(crate) const ASKS_TO_KNOW: &[&str] = &[
    "you know",
    "you tell",
    "you heard",
    "any idea",
    "how to",
    "how do i",
    "how can i",
    "you explain",
];

/// Words for a time of day or a day.
#[rustfmt::skip]
pub(crate) const TIMES: &[&str] = &[
    "dawn", "morning", "noon", "midday", "afternoon", "evening", "dusk", "night", "midnight",
    "yesterday", "today", "tonight", "week", "sunrise", "sunset", "day", "month", "year",
];

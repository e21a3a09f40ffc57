//! Cue words and phrases (lowercase, matched on word boundaries): what tells a player's line's
//! intent (`understand` checks them in its order), and what no villager's reply may say
//! (`validate`). Add phrases here.

/// Attempts to change the villager's rules or reach its instructions.
#[rustfmt::skip]
pub const MANIPULATION: &[&str] = &[
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
pub const OFF_ROLE: &[&str] = &[
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
pub const INSULT: &[&str] = &[
    "idiot", "stupid", "fool", "foolish", "dumb", "moron", "ugly", "liar", "useless", "worthless",
    "pathetic", "shut up", "hate you", "disgusting", "coward", "fat", "smell", "stink", "stinks",
    "old hag", "hag", "brat", "bastard", "damn you", "go to hell", "clown", "halfwit", "dimwit",
    "imbecile", "loser", "rubbish", "nobody likes you", "waste of", "scum", "pig", "rat", "crook",
    "drunk", "drunkard", "thick", "simpleton", "dolt", "oaf", "lout", "get lost", "buzz off",
    "piss off", "sod off", "bugger off", "miserable", "nitwit",
];

/// Accusations.
#[rustfmt::skip]
pub const ACCUSE: &[&str] = &[
    "accuse", "you stole", "you took", "you're the thief", "you are the thief", "is the thief",
    "was the thief", "stole the bell", "took the bell", "guilty", "culprit",
];

/// Thanks.
#[rustfmt::skip]
pub const THANKS: &[&str] = &[
    "thanks", "thank you", "thank", "cheers", "much obliged", "obliged", "grateful", "ta",
];

/// Apologies.
#[rustfmt::skip]
pub const APOLOGY: &[&str] = &[
    "sorry", "apologise", "apologize", "apologies", "my apologies", "forgive me", "i was rude",
    "didn't mean", "did not mean", "my bad", "pardon me",
];

/// Kind words.
#[rustfmt::skip]
pub const PRAISE: &[&str] = &[
    "lovely", "wonderful", "beautiful", "amazing", "best", "great job", "well done", "kind",
    "delicious", "finest", "smells good", "smells wonderful", "you're great", "you are great",
    "i like you", "love your", "admire", "brilliant", "impressive", "nice work", "fine work",
    "good work", "splendid", "marvellous", "marvelous",
];

/// Greetings.
#[rustfmt::skip]
pub const GREETING: &[&str] = &[
    "hello", "hi", "hey", "hiya", "howdy", "greetings", "good morning", "good day",
    "good afternoon", "good evening", "morning", "evening", "well met", "how are you",
    "how do you do", "how's it going", "how are things", "how've you been",
];

/// Goodbyes.
#[rustfmt::skip]
pub const FAREWELL: &[&str] = &[
    "bye", "goodbye", "good bye", "farewell", "see you", "see ya", "good night", "take care",
    "i must go", "i'll be going", "i should go", "later", "so long",
];

/// Questions about the villager itself.
#[rustfmt::skip]
pub const ABOUT_SELF: &[&str] = &[
    "who are you", "your name", "what do you do", "what's your job", "what is your job",
    "your work", "your trade", "where do you live", "where do you work", "what are you doing",
    "tell me about yourself", "about you", "how long have you", "do you like your", "your family",
    "what's your name", "what is your name", "what are you", "busy", "work here", "your job",
];

/// Words that make a line a question.
#[rustfmt::skip]
pub const ASKING: &[&str] = &[
    "what", "who", "whom", "whose", "when", "where", "why", "how", "which", "did", "do", "does",
    "have", "has", "is", "are", "was", "were", "can", "could", "would", "will", "any", "anything",
    "anyone", "anybody", "tell me", "know", "seen", "heard", "notice", "noticed", "wondering",
    "wonder", "curious", "u", "wat", "wut", "whats", "wot", "say",
];

/// Phrases no villager says in a reply (talk of AI, prompts, chat windows, code, assistants).
#[rustfmt::skip]
pub const PERSONA_BREAKS: &[&str] = &[
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

/// First-person claims to have witnessed something. A villager's real observations are its
/// knowledge entries, said only when the plan states one; anywhere else such a claim is the model's
/// invention ("I did see a man wearing a mask at the market"), and in a mystery it misleads.
#[rustfmt::skip]
pub const WITNESS_CLAIMS: &[&str] = &[
    "i saw", "i've seen", "i have seen", "i had seen", "i did see", "i seen", "i heard",
    "i've heard", "i have heard", "i did hear", "i noticed", "i've noticed", "i have noticed",
    "i've been noticing", "i found", "i spotted", "i watched", "i witnessed",
    "the pleasure of seeing",
];

/// Words after a witness claim that deny it ("I saw nothing").
pub const DENIALS: &[&str] = &["nothing", "no one", "nobody", "anything", "anyone", "none"];

/* BIP-39 over OpenSSL's PBKDF2 and SHA-256, BIP-32 over HMAC-SHA512 and
 * libsecp256k1's scalar addition.
 *
 * The word list below is the BIP-39 English list, generated once from
 * bip-0039/english.txt of the BIPs repository, whose sha256 is
 *   2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda
 * (the unit test hashes the table back to it). It is sorted, so a word is
 * found by binary search. */
#include "crypto/hdwallet.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <secp256k1.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/hash.h"
#include "crypto/secp.h"

#define WORD_COUNT 2048
#define WORD_MAX_LEN 8
#define SENTENCE_MAX_WORDS 24
/* 24 words of at most 8 letters and 23 separators. */
#define SENTENCE_MAX_LEN (SENTENCE_MAX_WORDS * (WORD_MAX_LEN + 1) - 1)
#define HARDENED 0x80000000u

static const char *const words[WORD_COUNT] = {
	"abandon", "ability", "able", "about", "above", "absent", "absorb",
	"abstract", "absurd", "abuse", "access", "accident", "account",
	"accuse", "achieve", "acid", "acoustic", "acquire", "across", "act",
	"action", "actor", "actress", "actual", "adapt", "add", "addict",
	"address", "adjust", "admit", "adult", "advance", "advice", "aerobic",
	"affair", "afford", "afraid", "again", "age", "agent", "agree", "ahead",
	"aim", "air", "airport", "aisle", "alarm", "album", "alcohol", "alert",
	"alien", "all", "alley", "allow", "almost", "alone", "alpha", "already",
	"also", "alter", "always", "amateur", "amazing", "among", "amount",
	"amused", "analyst", "anchor", "ancient", "anger", "angle", "angry",
	"animal", "ankle", "announce", "annual", "another", "answer", "antenna",
	"antique", "anxiety", "any", "apart", "apology", "appear", "apple",
	"approve", "april", "arch", "arctic", "area", "arena", "argue", "arm",
	"armed", "armor", "army", "around", "arrange", "arrest", "arrive",
	"arrow", "art", "artefact", "artist", "artwork", "ask", "aspect",
	"assault", "asset", "assist", "assume", "asthma", "athlete", "atom",
	"attack", "attend", "attitude", "attract", "auction", "audit", "august",
	"aunt", "author", "auto", "autumn", "average", "avocado", "avoid",
	"awake", "aware", "away", "awesome", "awful", "awkward", "axis", "baby",
	"bachelor", "bacon", "badge", "bag", "balance", "balcony", "ball",
	"bamboo", "banana", "banner", "bar", "barely", "bargain", "barrel",
	"base", "basic", "basket", "battle", "beach", "bean", "beauty",
	"because", "become", "beef", "before", "begin", "behave", "behind",
	"believe", "below", "belt", "bench", "benefit", "best", "betray",
	"better", "between", "beyond", "bicycle", "bid", "bike", "bind",
	"biology", "bird", "birth", "bitter", "black", "blade", "blame",
	"blanket", "blast", "bleak", "bless", "blind", "blood", "blossom",
	"blouse", "blue", "blur", "blush", "board", "boat", "body", "boil",
	"bomb", "bone", "bonus", "book", "boost", "border", "boring", "borrow",
	"boss", "bottom", "bounce", "box", "boy", "bracket", "brain", "brand",
	"brass", "brave", "bread", "breeze", "brick", "bridge", "brief",
	"bright", "bring", "brisk", "broccoli", "broken", "bronze", "broom",
	"brother", "brown", "brush", "bubble", "buddy", "budget", "buffalo",
	"build", "bulb", "bulk", "bullet", "bundle", "bunker", "burden",
	"burger", "burst", "bus", "business", "busy", "butter", "buyer", "buzz",
	"cabbage", "cabin", "cable", "cactus", "cage", "cake", "call", "calm",
	"camera", "camp", "can", "canal", "cancel", "candy", "cannon", "canoe",
	"canvas", "canyon", "capable", "capital", "captain", "car", "carbon",
	"card", "cargo", "carpet", "carry", "cart", "case", "cash", "casino",
	"castle", "casual", "cat", "catalog", "catch", "category", "cattle",
	"caught", "cause", "caution", "cave", "ceiling", "celery", "cement",
	"census", "century", "cereal", "certain", "chair", "chalk", "champion",
	"change", "chaos", "chapter", "charge", "chase", "chat", "cheap",
	"check", "cheese", "chef", "cherry", "chest", "chicken", "chief",
	"child", "chimney", "choice", "choose", "chronic", "chuckle", "chunk",
	"churn", "cigar", "cinnamon", "circle", "citizen", "city", "civil",
	"claim", "clap", "clarify", "claw", "clay", "clean", "clerk", "clever",
	"click", "client", "cliff", "climb", "clinic", "clip", "clock", "clog",
	"close", "cloth", "cloud", "clown", "club", "clump", "cluster",
	"clutch", "coach", "coast", "coconut", "code", "coffee", "coil", "coin",
	"collect", "color", "column", "combine", "come", "comfort", "comic",
	"common", "company", "concert", "conduct", "confirm", "congress",
	"connect", "consider", "control", "convince", "cook", "cool", "copper",
	"copy", "coral", "core", "corn", "correct", "cost", "cotton", "couch",
	"country", "couple", "course", "cousin", "cover", "coyote", "crack",
	"cradle", "craft", "cram", "crane", "crash", "crater", "crawl", "crazy",
	"cream", "credit", "creek", "crew", "cricket", "crime", "crisp",
	"critic", "crop", "cross", "crouch", "crowd", "crucial", "cruel",
	"cruise", "crumble", "crunch", "crush", "cry", "crystal", "cube",
	"culture", "cup", "cupboard", "curious", "current", "curtain", "curve",
	"cushion", "custom", "cute", "cycle", "dad", "damage", "damp", "dance",
	"danger", "daring", "dash", "daughter", "dawn", "day", "deal", "debate",
	"debris", "decade", "december", "decide", "decline", "decorate",
	"decrease", "deer", "defense", "define", "defy", "degree", "delay",
	"deliver", "demand", "demise", "denial", "dentist", "deny", "depart",
	"depend", "deposit", "depth", "deputy", "derive", "describe", "desert",
	"design", "desk", "despair", "destroy", "detail", "detect", "develop",
	"device", "devote", "diagram", "dial", "diamond", "diary", "dice",
	"diesel", "diet", "differ", "digital", "dignity", "dilemma", "dinner",
	"dinosaur", "direct", "dirt", "disagree", "discover", "disease", "dish",
	"dismiss", "disorder", "display", "distance", "divert", "divide",
	"divorce", "dizzy", "doctor", "document", "dog", "doll", "dolphin",
	"domain", "donate", "donkey", "donor", "door", "dose", "double", "dove",
	"draft", "dragon", "drama", "drastic", "draw", "dream", "dress",
	"drift", "drill", "drink", "drip", "drive", "drop", "drum", "dry",
	"duck", "dumb", "dune", "during", "dust", "dutch", "duty", "dwarf",
	"dynamic", "eager", "eagle", "early", "earn", "earth", "easily", "east",
	"easy", "echo", "ecology", "economy", "edge", "edit", "educate",
	"effort", "egg", "eight", "either", "elbow", "elder", "electric",
	"elegant", "element", "elephant", "elevator", "elite", "else", "embark",
	"embody", "embrace", "emerge", "emotion", "employ", "empower", "empty",
	"enable", "enact", "end", "endless", "endorse", "enemy", "energy",
	"enforce", "engage", "engine", "enhance", "enjoy", "enlist", "enough",
	"enrich", "enroll", "ensure", "enter", "entire", "entry", "envelope",
	"episode", "equal", "equip", "era", "erase", "erode", "erosion",
	"error", "erupt", "escape", "essay", "essence", "estate", "eternal",
	"ethics", "evidence", "evil", "evoke", "evolve", "exact", "example",
	"excess", "exchange", "excite", "exclude", "excuse", "execute",
	"exercise", "exhaust", "exhibit", "exile", "exist", "exit", "exotic",
	"expand", "expect", "expire", "explain", "expose", "express", "extend",
	"extra", "eye", "eyebrow", "fabric", "face", "faculty", "fade", "faint",
	"faith", "fall", "false", "fame", "family", "famous", "fan", "fancy",
	"fantasy", "farm", "fashion", "fat", "fatal", "father", "fatigue",
	"fault", "favorite", "feature", "february", "federal", "fee", "feed",
	"feel", "female", "fence", "festival", "fetch", "fever", "few", "fiber",
	"fiction", "field", "figure", "file", "film", "filter", "final", "find",
	"fine", "finger", "finish", "fire", "firm", "first", "fiscal", "fish",
	"fit", "fitness", "fix", "flag", "flame", "flash", "flat", "flavor",
	"flee", "flight", "flip", "float", "flock", "floor", "flower", "fluid",
	"flush", "fly", "foam", "focus", "fog", "foil", "fold", "follow",
	"food", "foot", "force", "forest", "forget", "fork", "fortune", "forum",
	"forward", "fossil", "foster", "found", "fox", "fragile", "frame",
	"frequent", "fresh", "friend", "fringe", "frog", "front", "frost",
	"frown", "frozen", "fruit", "fuel", "fun", "funny", "furnace", "fury",
	"future", "gadget", "gain", "galaxy", "gallery", "game", "gap",
	"garage", "garbage", "garden", "garlic", "garment", "gas", "gasp",
	"gate", "gather", "gauge", "gaze", "general", "genius", "genre",
	"gentle", "genuine", "gesture", "ghost", "giant", "gift", "giggle",
	"ginger", "giraffe", "girl", "give", "glad", "glance", "glare", "glass",
	"glide", "glimpse", "globe", "gloom", "glory", "glove", "glow", "glue",
	"goat", "goddess", "gold", "good", "goose", "gorilla", "gospel",
	"gossip", "govern", "gown", "grab", "grace", "grain", "grant", "grape",
	"grass", "gravity", "great", "green", "grid", "grief", "grit",
	"grocery", "group", "grow", "grunt", "guard", "guess", "guide", "guilt",
	"guitar", "gun", "gym", "habit", "hair", "half", "hammer", "hamster",
	"hand", "happy", "harbor", "hard", "harsh", "harvest", "hat", "have",
	"hawk", "hazard", "head", "health", "heart", "heavy", "hedgehog",
	"height", "hello", "helmet", "help", "hen", "hero", "hidden", "high",
	"hill", "hint", "hip", "hire", "history", "hobby", "hockey", "hold",
	"hole", "holiday", "hollow", "home", "honey", "hood", "hope", "horn",
	"horror", "horse", "hospital", "host", "hotel", "hour", "hover", "hub",
	"huge", "human", "humble", "humor", "hundred", "hungry", "hunt",
	"hurdle", "hurry", "hurt", "husband", "hybrid", "ice", "icon", "idea",
	"identify", "idle", "ignore", "ill", "illegal", "illness", "image",
	"imitate", "immense", "immune", "impact", "impose", "improve",
	"impulse", "inch", "include", "income", "increase", "index", "indicate",
	"indoor", "industry", "infant", "inflict", "inform", "inhale",
	"inherit", "initial", "inject", "injury", "inmate", "inner", "innocent",
	"input", "inquiry", "insane", "insect", "inside", "inspire", "install",
	"intact", "interest", "into", "invest", "invite", "involve", "iron",
	"island", "isolate", "issue", "item", "ivory", "jacket", "jaguar",
	"jar", "jazz", "jealous", "jeans", "jelly", "jewel", "job", "join",
	"joke", "journey", "joy", "judge", "juice", "jump", "jungle", "junior",
	"junk", "just", "kangaroo", "keen", "keep", "ketchup", "key", "kick",
	"kid", "kidney", "kind", "kingdom", "kiss", "kit", "kitchen", "kite",
	"kitten", "kiwi", "knee", "knife", "knock", "know", "lab", "label",
	"labor", "ladder", "lady", "lake", "lamp", "language", "laptop",
	"large", "later", "latin", "laugh", "laundry", "lava", "law", "lawn",
	"lawsuit", "layer", "lazy", "leader", "leaf", "learn", "leave",
	"lecture", "left", "leg", "legal", "legend", "leisure", "lemon", "lend",
	"length", "lens", "leopard", "lesson", "letter", "level", "liar",
	"liberty", "library", "license", "life", "lift", "light", "like",
	"limb", "limit", "link", "lion", "liquid", "list", "little", "live",
	"lizard", "load", "loan", "lobster", "local", "lock", "logic", "lonely",
	"long", "loop", "lottery", "loud", "lounge", "love", "loyal", "lucky",
	"luggage", "lumber", "lunar", "lunch", "luxury", "lyrics", "machine",
	"mad", "magic", "magnet", "maid", "mail", "main", "major", "make",
	"mammal", "man", "manage", "mandate", "mango", "mansion", "manual",
	"maple", "marble", "march", "margin", "marine", "market", "marriage",
	"mask", "mass", "master", "match", "material", "math", "matrix",
	"matter", "maximum", "maze", "meadow", "mean", "measure", "meat",
	"mechanic", "medal", "media", "melody", "melt", "member", "memory",
	"mention", "menu", "mercy", "merge", "merit", "merry", "mesh",
	"message", "metal", "method", "middle", "midnight", "milk", "million",
	"mimic", "mind", "minimum", "minor", "minute", "miracle", "mirror",
	"misery", "miss", "mistake", "mix", "mixed", "mixture", "mobile",
	"model", "modify", "mom", "moment", "monitor", "monkey", "monster",
	"month", "moon", "moral", "more", "morning", "mosquito", "mother",
	"motion", "motor", "mountain", "mouse", "move", "movie", "much",
	"muffin", "mule", "multiply", "muscle", "museum", "mushroom", "music",
	"must", "mutual", "myself", "mystery", "myth", "naive", "name",
	"napkin", "narrow", "nasty", "nation", "nature", "near", "neck", "need",
	"negative", "neglect", "neither", "nephew", "nerve", "nest", "net",
	"network", "neutral", "never", "news", "next", "nice", "night", "noble",
	"noise", "nominee", "noodle", "normal", "north", "nose", "notable",
	"note", "nothing", "notice", "novel", "now", "nuclear", "number",
	"nurse", "nut", "oak", "obey", "object", "oblige", "obscure", "observe",
	"obtain", "obvious", "occur", "ocean", "october", "odor", "off",
	"offer", "office", "often", "oil", "okay", "old", "olive", "olympic",
	"omit", "once", "one", "onion", "online", "only", "open", "opera",
	"opinion", "oppose", "option", "orange", "orbit", "orchard", "order",
	"ordinary", "organ", "orient", "original", "orphan", "ostrich", "other",
	"outdoor", "outer", "output", "outside", "oval", "oven", "over", "own",
	"owner", "oxygen", "oyster", "ozone", "pact", "paddle", "page", "pair",
	"palace", "palm", "panda", "panel", "panic", "panther", "paper",
	"parade", "parent", "park", "parrot", "party", "pass", "patch", "path",
	"patient", "patrol", "pattern", "pause", "pave", "payment", "peace",
	"peanut", "pear", "peasant", "pelican", "pen", "penalty", "pencil",
	"people", "pepper", "perfect", "permit", "person", "pet", "phone",
	"photo", "phrase", "physical", "piano", "picnic", "picture", "piece",
	"pig", "pigeon", "pill", "pilot", "pink", "pioneer", "pipe", "pistol",
	"pitch", "pizza", "place", "planet", "plastic", "plate", "play",
	"please", "pledge", "pluck", "plug", "plunge", "poem", "poet", "point",
	"polar", "pole", "police", "pond", "pony", "pool", "popular", "portion",
	"position", "possible", "post", "potato", "pottery", "poverty",
	"powder", "power", "practice", "praise", "predict", "prefer", "prepare",
	"present", "pretty", "prevent", "price", "pride", "primary", "print",
	"priority", "prison", "private", "prize", "problem", "process",
	"produce", "profit", "program", "project", "promote", "proof",
	"property", "prosper", "protect", "proud", "provide", "public",
	"pudding", "pull", "pulp", "pulse", "pumpkin", "punch", "pupil",
	"puppy", "purchase", "purity", "purpose", "purse", "push", "put",
	"puzzle", "pyramid", "quality", "quantum", "quarter", "question",
	"quick", "quit", "quiz", "quote", "rabbit", "raccoon", "race", "rack",
	"radar", "radio", "rail", "rain", "raise", "rally", "ramp", "ranch",
	"random", "range", "rapid", "rare", "rate", "rather", "raven", "raw",
	"razor", "ready", "real", "reason", "rebel", "rebuild", "recall",
	"receive", "recipe", "record", "recycle", "reduce", "reflect", "reform",
	"refuse", "region", "regret", "regular", "reject", "relax", "release",
	"relief", "rely", "remain", "remember", "remind", "remove", "render",
	"renew", "rent", "reopen", "repair", "repeat", "replace", "report",
	"require", "rescue", "resemble", "resist", "resource", "response",
	"result", "retire", "retreat", "return", "reunion", "reveal", "review",
	"reward", "rhythm", "rib", "ribbon", "rice", "rich", "ride", "ridge",
	"rifle", "right", "rigid", "ring", "riot", "ripple", "risk", "ritual",
	"rival", "river", "road", "roast", "robot", "robust", "rocket",
	"romance", "roof", "rookie", "room", "rose", "rotate", "rough", "round",
	"route", "royal", "rubber", "rude", "rug", "rule", "run", "runway",
	"rural", "sad", "saddle", "sadness", "safe", "sail", "salad", "salmon",
	"salon", "salt", "salute", "same", "sample", "sand", "satisfy",
	"satoshi", "sauce", "sausage", "save", "say", "scale", "scan", "scare",
	"scatter", "scene", "scheme", "school", "science", "scissors",
	"scorpion", "scout", "scrap", "screen", "script", "scrub", "sea",
	"search", "season", "seat", "second", "secret", "section", "security",
	"seed", "seek", "segment", "select", "sell", "seminar", "senior",
	"sense", "sentence", "series", "service", "session", "settle", "setup",
	"seven", "shadow", "shaft", "shallow", "share", "shed", "shell",
	"sheriff", "shield", "shift", "shine", "ship", "shiver", "shock",
	"shoe", "shoot", "shop", "short", "shoulder", "shove", "shrimp",
	"shrug", "shuffle", "shy", "sibling", "sick", "side", "siege", "sight",
	"sign", "silent", "silk", "silly", "silver", "similar", "simple",
	"since", "sing", "siren", "sister", "situate", "six", "size", "skate",
	"sketch", "ski", "skill", "skin", "skirt", "skull", "slab", "slam",
	"sleep", "slender", "slice", "slide", "slight", "slim", "slogan",
	"slot", "slow", "slush", "small", "smart", "smile", "smoke", "smooth",
	"snack", "snake", "snap", "sniff", "snow", "soap", "soccer", "social",
	"sock", "soda", "soft", "solar", "soldier", "solid", "solution",
	"solve", "someone", "song", "soon", "sorry", "sort", "soul", "sound",
	"soup", "source", "south", "space", "spare", "spatial", "spawn",
	"speak", "special", "speed", "spell", "spend", "sphere", "spice",
	"spider", "spike", "spin", "spirit", "split", "spoil", "sponsor",
	"spoon", "sport", "spot", "spray", "spread", "spring", "spy", "square",
	"squeeze", "squirrel", "stable", "stadium", "staff", "stage", "stairs",
	"stamp", "stand", "start", "state", "stay", "steak", "steel", "stem",
	"step", "stereo", "stick", "still", "sting", "stock", "stomach",
	"stone", "stool", "story", "stove", "strategy", "street", "strike",
	"strong", "struggle", "student", "stuff", "stumble", "style", "subject",
	"submit", "subway", "success", "such", "sudden", "suffer", "sugar",
	"suggest", "suit", "summer", "sun", "sunny", "sunset", "super",
	"supply", "supreme", "sure", "surface", "surge", "surprise", "surround",
	"survey", "suspect", "sustain", "swallow", "swamp", "swap", "swarm",
	"swear", "sweet", "swift", "swim", "swing", "switch", "sword", "symbol",
	"symptom", "syrup", "system", "table", "tackle", "tag", "tail",
	"talent", "talk", "tank", "tape", "target", "task", "taste", "tattoo",
	"taxi", "teach", "team", "tell", "ten", "tenant", "tennis", "tent",
	"term", "test", "text", "thank", "that", "theme", "then", "theory",
	"there", "they", "thing", "this", "thought", "three", "thrive", "throw",
	"thumb", "thunder", "ticket", "tide", "tiger", "tilt", "timber", "time",
	"tiny", "tip", "tired", "tissue", "title", "toast", "tobacco", "today",
	"toddler", "toe", "together", "toilet", "token", "tomato", "tomorrow",
	"tone", "tongue", "tonight", "tool", "tooth", "top", "topic", "topple",
	"torch", "tornado", "tortoise", "toss", "total", "tourist", "toward",
	"tower", "town", "toy", "track", "trade", "traffic", "tragic", "train",
	"transfer", "trap", "trash", "travel", "tray", "treat", "tree", "trend",
	"trial", "tribe", "trick", "trigger", "trim", "trip", "trophy",
	"trouble", "truck", "true", "truly", "trumpet", "trust", "truth", "try",
	"tube", "tuition", "tumble", "tuna", "tunnel", "turkey", "turn",
	"turtle", "twelve", "twenty", "twice", "twin", "twist", "two", "type",
	"typical", "ugly", "umbrella", "unable", "unaware", "uncle", "uncover",
	"under", "undo", "unfair", "unfold", "unhappy", "uniform", "unique",
	"unit", "universe", "unknown", "unlock", "until", "unusual", "unveil",
	"update", "upgrade", "uphold", "upon", "upper", "upset", "urban",
	"urge", "usage", "use", "used", "useful", "useless", "usual", "utility",
	"vacant", "vacuum", "vague", "valid", "valley", "valve", "van",
	"vanish", "vapor", "various", "vast", "vault", "vehicle", "velvet",
	"vendor", "venture", "venue", "verb", "verify", "version", "very",
	"vessel", "veteran", "viable", "vibrant", "vicious", "victory", "video",
	"view", "village", "vintage", "violin", "virtual", "virus", "visa",
	"visit", "visual", "vital", "vivid", "vocal", "voice", "void",
	"volcano", "volume", "vote", "voyage", "wage", "wagon", "wait", "walk",
	"wall", "walnut", "want", "warfare", "warm", "warrior", "wash", "wasp",
	"waste", "water", "wave", "way", "wealth", "weapon", "wear", "weasel",
	"weather", "web", "wedding", "weekend", "weird", "welcome", "west",
	"wet", "whale", "what", "wheat", "wheel", "when", "where", "whip",
	"whisper", "wide", "width", "wife", "wild", "will", "win", "window",
	"wine", "wing", "wink", "winner", "winter", "wire", "wisdom", "wise",
	"wish", "witness", "wolf", "woman", "wonder", "wood", "wool", "word",
	"work", "world", "worry", "worth", "wrap", "wreck", "wrestle", "wrist",
	"write", "wrong", "yard", "year", "yellow", "you", "young", "youth",
	"zebra", "zero", "zone", "zoo",
};

const char *hd_bip39_word(unsigned index)
{
	return index < WORD_COUNT ? words[index] : NULL;
}

/* The index of the n-letter word at w, or -1 when it is not in the list. */
static int word_index(const char *w, size_t n)
{
	size_t lo = 0, hi = WORD_COUNT;

	if (n == 0 || n > WORD_MAX_LEN)
		return -1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strncmp(words[mid], w, n);
		if (c == 0 && words[mid][n] != '\0')
			c = 1;
		if (c == 0)
			return (int)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The sentence of s without leading and trailing whitespace. */
static void trim(const char *s, const char **start, size_t *len)
{
	size_t n = strlen(s);

	while (n && is_space(*s)) {
		s++;
		n--;
	}
	while (n && is_space(s[n - 1]))
		n--;
	*start = s;
	*len = n;
}

/* Splits the trimmed sentence s[0..len) into word indices. Returns 0 or
 * DURE_EMNEMONIC. */
static int split(const char *s, size_t len, uint16_t idx[SENTENCE_MAX_WORDS],
                 size_t *count)
{
	size_t n = 0, i = 0;

	*count = 0;
	if (len > SENTENCE_MAX_LEN)
		return DURE_EMNEMONIC;
	while (i <= len) {
		size_t j = i;
		while (j < len && s[j] != ' ') {
			if ((unsigned char)s[j] >= 0x80)
				return DURE_EMNEMONIC;
			j++;
		}
		int w = word_index(s + i, j - i);
		if (w < 0 || n == SENTENCE_MAX_WORDS)
			return DURE_EMNEMONIC;
		idx[n++] = (uint16_t)w;
		i = j + 1;
	}
	*count = n;
	return DURE_OK;
}

/* Packs the 11-bit indices into bits (big-endian, first word first). */
static void pack(const uint16_t *idx, size_t count, uint8_t *bits)
{
	for (size_t i = 0; i < count; i++)
		for (unsigned b = 0; b < 11; b++)
			if ((idx[i] >> (10 - b)) & 1) {
				size_t pos = i * 11 + b;
				bits[pos / 8] |= (uint8_t)(0x80u >> (pos % 8));
			}
}

/* Checks the word count and the checksum the last word carries. */
static int check_checksum(const uint16_t *idx, size_t count)
{
	uint8_t bits[SENTENCE_MAX_WORDS * 11 / 8] = {0}, h[32];

	if (count < 12 || count > SENTENCE_MAX_WORDS || count % 3)
		return DURE_EMNEMONIC;
	size_t cs = count * 11 / 33;     /* checksum bits, 4..8 */
	size_t ent = (count * 11 - cs) / 8;
	pack(idx, count, bits);
	sha256(bits, ent, h);
	uint8_t mask = (uint8_t)(0xffu << (8 - cs));
	bool ok = (bits[ent] & mask) == (h[0] & mask);
	OPENSSL_cleanse(bits, sizeof bits);
	OPENSSL_cleanse(h, sizeof h);
	return ok ? DURE_OK : DURE_EMNEMONIC;
}

/* Checks mnemonic and returns its trimmed sentence. */
static int check(const char *mnemonic, const char **start, size_t *len)
{
	uint16_t idx[SENTENCE_MAX_WORDS];
	size_t count;

	trim(mnemonic, start, len);
	int err = split(*start, *len, idx, &count);
	if (!err)
		err = check_checksum(idx, count);
	OPENSSL_cleanse(idx, sizeof idx);
	return err;
}

int hd_mnemonic_check(const char *mnemonic)
{
	const char *s;
	size_t n;

	return check(mnemonic, &s, &n);
}

int hd_mnemonic_from_entropy(const uint8_t *ent, size_t n, char *out,
                             size_t outlen)
{
	uint8_t bits[33], h[32];
	size_t used = 0;
	int err = DURE_OK;

	if (outlen)
		out[0] = '\0';
	if (n < 16 || n > 32 || n % 4)
		return DURE_EINVAL;
	memcpy(bits, ent, n);
	sha256(ent, n, h);
	bits[n] = h[0];
	size_t count = (n * 8 + n / 4) / 11;
	for (size_t i = 0; i < count && !err; i++) {
		unsigned w = 0;
		for (unsigned b = 0; b < 11; b++) {
			size_t pos = i * 11 + b;
			w = (w << 1) | ((bits[pos / 8] >> (7 - pos % 8)) & 1u);
		}
		size_t wl = strlen(words[w]);
		if (used + (i > 0) + wl + 1 > outlen) {
			err = DURE_ERANGE;
			break;
		}
		if (i > 0)
			out[used++] = ' ';
		memcpy(out + used, words[w], wl + 1);
		used += wl;
	}
	if (err && outlen) {
		OPENSSL_cleanse(out, outlen);
		out[0] = '\0';
	}
	OPENSSL_cleanse(bits, sizeof bits);
	OPENSSL_cleanse(h, sizeof h);
	return err;
}

int hd_seed_from_mnemonic(const char *mnemonic, const char *passphrase,
                          uint8_t seed[64])
{
	static const char prefix[] = "mnemonic";
	const char *s;
	size_t n;

	memset(seed, 0, 64);
	int err = check(mnemonic, &s, &n);
	if (err)
		return err;
	if (!passphrase)
		passphrase = "";
	size_t plen = strnlen(passphrase, HD_PASSPHRASE_MAX + 1);
	if (plen > HD_PASSPHRASE_MAX)
		return DURE_EINVAL;
	for (size_t i = 0; i < plen; i++)
		if ((unsigned char)passphrase[i] >= 0x80)
			return DURE_EINVAL;

	size_t saltlen = sizeof prefix - 1 + plen;
	uint8_t *salt = malloc(saltlen);
	if (!salt)
		return DURE_ENOMEM;
	memcpy(salt, prefix, sizeof prefix - 1);
	memcpy(salt + sizeof prefix - 1, passphrase, plen);
	if (!PKCS5_PBKDF2_HMAC(s, (int)n, salt, (int)saltlen, 2048, EVP_sha512(),
	                       64, seed)) {
		OPENSSL_cleanse(seed, 64);
		err = DURE_ENOMEM;
	}
	OPENSSL_cleanse(salt, saltlen);
	free(salt);
	return err;
}

/* Parses path into steps (hardened ones with bit 31 set). */
static int parse_path(const char *path, uint32_t steps[HD_PATH_MAX_DEPTH],
                      size_t *depth)
{
	const char *p = path;
	size_t d = 0;

	*depth = 0;
	if (*p++ != 'm')
		return DURE_EHD_PATH;
	while (*p) {
		if (*p++ != '/' || d == HD_PATH_MAX_DEPTH)
			return DURE_EHD_PATH;
		if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' && p[1] <= '9'))
			return DURE_EHD_PATH;
		uint64_t v = 0;
		while (*p >= '0' && *p <= '9') {
			v = v * 10 + (uint64_t)(*p++ - '0');
			if (v >= HARDENED)
				return DURE_EHD_PATH;
		}
		if (*p == '\'' || *p == 'h') {
			v |= HARDENED;
			p++;
		}
		steps[d++] = (uint32_t)v;
	}
	*depth = d;
	return DURE_OK;
}

static int hmac512(const uint8_t *key, size_t klen, const uint8_t *d, size_t n,
                   uint8_t out[64])
{
	unsigned int outl = 0;

	if (!HMAC(EVP_sha512(), key, (int)klen, d, n, out, &outl) || outl != 64)
		return DURE_ENOMEM;
	return DURE_OK;
}

/* CKDpriv: replaces the extended key (k, c) by its child i. */
static int child(uint8_t k[32], uint8_t c[32], uint32_t i)
{
	uint8_t data[37], mac[64], pub[64];
	int err = DURE_OK;

	if (i & HARDENED) {
		data[0] = 0;
		memcpy(data + 1, k, 32);
	} else {
		err = secp_pubkey_create(k, pub);
		if (!err)
			secp_pubkey_compress(pub, data);
	}
	data[33] = (uint8_t)(i >> 24);
	data[34] = (uint8_t)(i >> 16);
	data[35] = (uint8_t)(i >> 8);
	data[36] = (uint8_t)i;
	if (!err)
		err = hmac512(c, 32, data, sizeof data, mac);
	/* Fails when IL is not below n, or k + IL is zero. */
	if (!err && !secp256k1_ec_seckey_tweak_add(secp256k1_context_static, k, mac))
		err = DURE_EKEY;
	if (!err)
		memcpy(c, mac + 32, 32);
	OPENSSL_cleanse(data, sizeof data);
	OPENSSL_cleanse(mac, sizeof mac);
	return err;
}

int hd_derive(const uint8_t *seed, size_t seed_len, const char *path,
              uint8_t seckey[32], uint8_t chain_code[32])
{
	static const uint8_t master_key[] = "Bitcoin seed";
	uint32_t steps[HD_PATH_MAX_DEPTH];
	uint8_t mac[64];
	size_t depth;

	memset(seckey, 0, 32);
	if (chain_code)
		memset(chain_code, 0, 32);
	if (seed_len < 16 || seed_len > 64)
		return DURE_EINVAL;
	int err = parse_path(path, steps, &depth);
	if (err)
		return err;
	err = hmac512(master_key, sizeof master_key - 1, seed, seed_len, mac);
	if (!err && !secp256k1_ec_seckey_verify(secp256k1_context_static, mac))
		err = DURE_EKEY;
	for (size_t i = 0; i < depth && !err; i++)
		err = child(mac, mac + 32, steps[i]);
	if (!err) {
		memcpy(seckey, mac, 32);
		if (chain_code)
			memcpy(chain_code, mac + 32, 32);
	}
	OPENSSL_cleanse(mac, sizeof mac);
	return err;
}

int hd_dev_key(const char *mnemonic, uint32_t index, uint8_t seckey[32])
{
	uint8_t seed[64];
	char path[32];

	memset(seckey, 0, 32);
	if (index >= HARDENED)
		return DURE_EHD_PATH;
	snprintf(path, sizeof path, "m/44'/60'/0'/0/%u", (unsigned)index);
	int err = hd_seed_from_mnemonic(mnemonic, NULL, seed);
	if (!err)
		err = hd_derive(seed, sizeof seed, path, seckey, NULL);
	OPENSSL_cleanse(seed, sizeof seed);
	return err;
}

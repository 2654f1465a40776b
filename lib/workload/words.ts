/**
 * Fixed word lists for generated names and searchable product descriptions. Changing them
 * changes every generated data set, so treat them as part of the data format.
 *
 * @module
 */

/** Department names, combined with {@link KINDS} to name categories. */
export const DEPARTMENTS: readonly string[] = [
  "Outdoor",
  "Kitchen",
  "Office",
  "Garden",
  "Sports",
  "Travel",
  "Kids",
  "Home",
  "Pet",
  "Auto",
  "Beauty",
  "Music",
  "Gaming",
  "Fitness",
  "Camping",
  "Bath",
  "Party",
  "Craft",
  "Baby",
  "Tech",
];

/** Product kinds (plural, for category names); see {@link KIND_SINGULAR}. */
export const KINDS: readonly string[] = [
  "Jackets",
  "Lamps",
  "Bottles",
  "Chairs",
  "Bags",
  "Knives",
  "Speakers",
  "Shoes",
  "Tables",
  "Cables",
  "Mugs",
  "Tents",
  "Gloves",
  "Watches",
  "Brushes",
  "Pillows",
  "Boxes",
  "Hats",
  "Rugs",
  "Clocks",
  "Scarves",
  "Toys",
  "Pans",
  "Mats",
  "Jars",
];

/** Singular of each entry of {@link KINDS}, same order. */
export const KIND_SINGULAR: readonly string[] = KINDS.map((k) =>
  k.endsWith("ves") ? k.slice(0, -3) + "f" : k.endsWith("xes") ? k.slice(0, -2) : k.slice(0, -1)
);

/** Brand names for product titles. */
export const BRANDS: readonly string[] = [
  "Acme",
  "Northwind",
  "Contoso",
  "Fabrikam",
  "Globex",
  "Initech",
  "Umbrella",
  "Stark",
  "Wayne",
  "Tyrell",
  "Hooli",
  "Vandelay",
  "Soylent",
  "Cyberdyne",
  "Monarch",
  "Aperture",
];

/** Adjectives for names and descriptions. */
export const ADJECTIVES: readonly string[] = [
  "durable",
  "lightweight",
  "compact",
  "ergonomic",
  "waterproof",
  "classic",
  "modern",
  "premium",
  "portable",
  "foldable",
  "rechargeable",
  "vintage",
  "eco-friendly",
  "wireless",
  "insulated",
  "handmade",
  "adjustable",
  "breathable",
  "heavy-duty",
  "minimalist",
];

/** Materials for descriptions. */
export const MATERIALS: readonly string[] = [
  "cotton",
  "wool",
  "leather",
  "bamboo",
  "steel",
  "aluminium",
  "oak",
  "glass",
  "ceramic",
  "silicone",
  "linen",
  "recycled plastic",
  "carbon fibre",
  "copper",
  "walnut",
];

/** Uses / occasions for descriptions. */
export const USES: readonly string[] = [
  "hiking",
  "commuting",
  "cooking",
  "camping",
  "travel",
  "the office",
  "gifts",
  "everyday use",
  "running",
  "picnics",
  "students",
  "professionals",
  "winter",
  "summer",
  "small spaces",
];

/** Selling points for descriptions. */
export const FEATURES: readonly string[] = [
  "easy to clean",
  "two-year warranty",
  "fits in a backpack",
  "dishwasher safe",
  "machine washable",
  "scratch resistant",
  "long battery life",
  "non-slip base",
  "stackable design",
  "quick assembly",
  "sustainably sourced",
  "award-winning design",
];

/** Given names for customers. */
export const FIRST_NAMES: readonly string[] = [
  "Ana",
  "Ben",
  "Chloé",
  "Dmitri",
  "Eva",
  "Farid",
  "Grace",
  "Hiro",
  "Ines",
  "Jonas",
  "Kofi",
  "Lena",
  "Mateo",
  "Nora",
  "Omar",
  "Priya",
  "Quinn",
  "Rosa",
  "Sven",
  "Tara",
  "Uma",
  "Viktor",
  "Wen",
  "Yara",
  "Zoe",
];

/** Family names for customers. */
export const LAST_NAMES: readonly string[] = [
  "Silva",
  "Müller",
  "Rossi",
  "Kim",
  "Nguyen",
  "Okafor",
  "Larsen",
  "Dubois",
  "García",
  "Novak",
  "Tanaka",
  "Schmidt",
  "Haddad",
  "Kowalski",
  "Ivanova",
  "Smith",
  "Jensen",
  "Costa",
];

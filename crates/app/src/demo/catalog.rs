//! What the demo shop sells, ships and charges: fixed data, checked by the
//! tests (every entry parses into its domain type).

/// A product of the demo catalog. `stock` 0 is sold out.
pub(super) struct CatalogItem {
    pub sku: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub price_cents: i64,
    pub stock: i64,
}

const fn item(
    sku: &'static str,
    name: &'static str,
    price_cents: i64,
    stock: i64,
    description: &'static str,
) -> CatalogItem {
    CatalogItem { sku, name, description, price_cents, stock }
}

/// 50 products, three of them sold out.
pub(super) const PRODUCTS: [CatalogItem; 50] = [
    item(
        "KIT-MUG-350",
        "Stoneware Mug, 350 ml",
        1490,
        120,
        "Hand-glazed stoneware in slate grey. Dishwasher and microwave safe.",
    ),
    item(
        "KIT-FRP-1L",
        "French Press, 1 litre",
        3450,
        40,
        "Borosilicate glass jug, stainless steel plunger with a four-layer filter.",
    ),
    item(
        "KIT-KNF-CHEF",
        "Chef's Knife, 20 cm",
        8900,
        25,
        "Forged from one piece of German steel, full tang, pakkawood handle.",
    ),
    item(
        "KIT-BRD-OAK",
        "Oak Cutting Board",
        4200,
        30,
        "End-grain oak, 40 × 30 cm, with a juice groove. Oil it now and then.",
    ),
    item(
        "KIT-PAN-CI26",
        "Cast-Iron Skillet, 26 cm",
        5900,
        18,
        "Pre-seasoned with flaxseed oil; goes from the hob to the oven.",
    ),
    item(
        "KIT-KTL-GOOS",
        "Gooseneck Kettle",
        6900,
        0,
        "0.9 litre, built-in thermometer, for a slow and even pour-over.",
    ),
    item("KIT-SPC-SET", "Spice Jar Set (12)", 2900, 60, "Twelve glass jars with bamboo lids and 48 printed labels."),
    item("KIT-TWL-LIN", "Linen Tea Towels (3)", 2400, 75, "Stonewashed linen, quick to dry, softer with every wash."),
    item(
        "COF-BEAN-ETH",
        "Ethiopia Yirgacheffe Beans, 250 g",
        1650,
        200,
        "Washed, light roast. Bergamot, jasmine and lemon.",
    ),
    item(
        "COF-BEAN-COL",
        "Colombia Huila Beans, 250 g",
        1450,
        180,
        "Medium roast. Red apple, caramel and milk chocolate.",
    ),
    item(
        "COF-BEAN-DEC",
        "Swiss Water Decaf, 250 g",
        1550,
        90,
        "Decaffeinated without solvents. Cocoa and toasted almond.",
    ),
    item(
        "COF-GRN-BURR",
        "Hand Burr Grinder",
        7900,
        22,
        "Conical steel burrs, 40 click settings from espresso to cold brew.",
    ),
    item(
        "TEA-SEN-100",
        "Japanese Sencha, 100 g",
        1800,
        70,
        "First flush from Shizuoka. Steep at 70 °C for one minute.",
    ),
    item("TEA-EARL-100", "Earl Grey, 100 g", 1200, 95, "Assam and Ceylon black teas with cold-pressed bergamot oil."),
    item(
        "TEA-POT-CAST",
        "Cast-Iron Teapot, 600 ml",
        4800,
        0,
        "Tetsubin-style pot with an enamelled inside and a steel infuser.",
    ),
    item(
        "HOM-CND-CED",
        "Cedar & Smoke Candle",
        2800,
        85,
        "Soy wax in an amber jar, cotton wick, about 45 hours of burning.",
    ),
    item(
        "HOM-THR-WOOL",
        "Merino Wool Throw",
        11900,
        12,
        "130 × 180 cm, woven in Portugal, in oatmeal with a fringed edge.",
    ),
    item("HOM-LMP-DESK", "Brass Desk Lamp", 9400, 15, "Adjustable arm, warm 2700 K LED bulb included."),
    item(
        "HOM-PLT-POT",
        "Terracotta Planter, 18 cm",
        1900,
        64,
        "Unglazed terracotta with a drainage hole and a matching saucer.",
    ),
    item("HOM-CLK-WALL", "Minimal Wall Clock", 3900, 28, "30 cm, silent sweep movement, ash-wood frame."),
    item("HOM-PIL-LIN", "Linen Cushion Cover", 2600, 50, "45 × 45 cm, hidden zip, in sage green."),
    item("HOM-BSK-SEA", "Seagrass Storage Basket", 3300, 34, "Hand-woven, with handles; fits a standard shelf cube."),
    item(
        "OUT-BTL-750",
        "Insulated Water Bottle, 750 ml",
        2900,
        140,
        "Double-walled steel: cold for 24 hours, hot for 12.",
    ),
    item(
        "OUT-BAG-28L",
        "Daypack, 28 litres",
        8900,
        26,
        "Recycled ripstop, padded laptop sleeve, rain cover in the base.",
    ),
    item(
        "OUT-TNT-2P",
        "Two-Person Trekking Tent",
        27900,
        6,
        "1.9 kg, two doors and two porches, sets up in five minutes.",
    ),
    item("OUT-LMP-HEAD", "Rechargeable Head Torch", 3900, 48, "400 lumens, red night mode, charges over USB-C."),
    item("OUT-MAT-YOGA", "Cork Yoga Mat", 6500, 20, "Natural cork on natural rubber, grips better as you sweat."),
    item(
        "OUT-HAM-1P",
        "Camping Hammock",
        4500,
        0,
        "Parachute nylon, holds 180 kg, tree straps and carabiners included.",
    ),
    item(
        "OUT-STV-GAS",
        "Compact Gas Stove",
        4900,
        17,
        "Folds to the size of an egg; boils a litre in under four minutes.",
    ),
    item(
        "TEC-HPH-ANC",
        "Noise-Cancelling Headphones",
        19900,
        14,
        "Over-ear, 30 hours per charge, multipoint Bluetooth.",
    ),
    item("TEC-SPK-MINI", "Mini Bluetooth Speaker", 4900, 55, "Waterproof (IP67), 12 hours of play, pairs in stereo."),
    item("TEC-KBD-MECH", "Mechanical Keyboard", 12900, 19, "Tenkeyless, hot-swappable switches, PBT keycaps."),
    item("TEC-MSE-ERGO", "Ergonomic Mouse", 5900, 33, "Vertical grip, six buttons, three devices at once."),
    item("TEC-CHG-65W", "65 W USB-C Charger", 3900, 80, "Gallium nitride, two USB-C ports and one USB-A."),
    item("TEC-CBL-2M", "Braided USB-C Cable, 2 m", 1500, 150, "100 W, 10 Gbit/s, a braided jacket that does not kink."),
    item("TEC-STD-LAP", "Aluminium Laptop Stand", 4400, 27, "Raises the screen 15 cm; folds flat for travel."),
    item("STA-NTB-A5", "Dot-Grid Notebook, A5", 1800, 160, "192 pages of 100 g paper, lies flat, two ribbon markers."),
    item("STA-PEN-FTN", "Fountain Pen", 3600, 38, "Steel medium nib, converter and five ink cartridges included."),
    item(
        "STA-INK-BLU",
        "Bottled Ink, Blue-Black, 50 ml",
        1400,
        66,
        "Water-resistant once dry; suits every fountain pen.",
    ),
    item("STA-PLN-2027", "Weekly Planner 2027", 2200, 90, "Week on two pages, monthly overviews, linen cover."),
    item("STA-DSK-PAD", "Felt Desk Pad", 3200, 29, "80 × 30 cm wool felt, protects the desk and muffles the keyboard."),
    item(
        "BOK-COOK-VEG",
        "The Vegetable Kitchen (book)",
        3200,
        44,
        "A cookbook of 120 vegetable-first recipes for every season.",
    ),
    item(
        "BOK-NOV-SEA",
        "The Salt Road (novel)",
        1800,
        52,
        "A debut novel about two sisters who sail a cargo ship home.",
    ),
    item("BOK-GUI-TRL", "Fifty Day Hikes (guide)", 2500, 31, "Maps, elevation profiles and tips for fifty trails."),
    item("TOY-PUZ-1000", "Jigsaw Puzzle, 1000 Pieces", 2400, 47, "A hand-painted map of the world's lighthouses."),
    item("TOY-GAM-BRD", "Harbour Traders (board game)", 4500, 23, "Two to five players, 45 minutes, ages ten and up."),
    item(
        "TOY-BLK-WOOD",
        "Wooden Building Blocks (60)",
        3900,
        36,
        "Beech wood with water-based paint, in a cotton bag.",
    ),
    item(
        "CAR-SOP-OLV",
        "Olive Oil Soap (3)",
        1500,
        110,
        "Cold-process soap with olive oil and shea butter; unscented.",
    ),
    item("CAR-BRS-BAM", "Bamboo Toothbrushes (4)", 1100, 130, "Bamboo handles, plant-based bristles, compostable box."),
    item("CAR-TWL-BTH", "Organic Cotton Bath Towel", 3400, 42, "70 × 140 cm, 600 g/m², in warm white."),
];

/// Created and then archived: old orders still show it, listings do not.
pub(super) const ARCHIVED: CatalogItem = item(
    "KIT-MKR-OLD",
    "Moka Pot, 3 Cups (discontinued)",
    2900,
    8,
    "The aluminium moka pot of the first season; replaced by the French press.",
);

/// A shipping method: name, price, countries (ISO codes), free above.
pub(super) struct MethodItem {
    pub name: &'static str,
    pub price_cents: i64,
    pub countries: &'static [&'static str],
    pub free_over_cents: Option<i64>,
}

pub(super) const SHIPPING_METHODS: [MethodItem; 3] = [
    MethodItem { name: "Standard (US)", price_cents: 599, countries: &["US"], free_over_cents: Some(5000) },
    MethodItem { name: "Express (US)", price_cents: 1499, countries: &["US"], free_over_cents: None },
    MethodItem { name: "International", price_cents: 1999, countries: &["CA", "GB"], free_over_cents: Some(15000) },
];

/// Tax rates: country, basis points, whether shipping is taxed too.
pub(super) const TAX_RATES: [(&str, i64, bool); 3] = [("US", 725, false), ("CA", 500, true), ("GB", 2000, true)];

/// The discount code the README's walk-through uses: 10 % off from $20.
pub(super) const DISCOUNT_CODE: &str = "WELCOME10";
pub(super) const DISCOUNT_PERCENT: i64 = 10;
pub(super) const DISCOUNT_MIN_SUBTOTAL_CENTS: i64 = 2000;

/// A customer of the demo and where they live.
pub(super) struct CustomerItem {
    pub username: &'static str,
    pub full_name: &'static str,
    pub address: AddressItem,
}

pub(super) struct AddressItem {
    pub name: &'static str,
    pub line1: &'static str,
    pub city: &'static str,
    pub postal_code: &'static str,
    pub region: Option<&'static str>,
    pub country: &'static str,
}

pub(super) const CUSTOMERS: [CustomerItem; 2] = [
    CustomerItem {
        username: "alice",
        full_name: "Alice Martin",
        address: AddressItem {
            name: "Alice Martin",
            line1: "1200 SE Hawthorne Blvd",
            city: "Portland",
            postal_code: "97214",
            region: Some("OR"),
            country: "US",
        },
    },
    CustomerItem {
        username: "bob",
        full_name: "Bob Clarke",
        address: AddressItem {
            name: "Bob Clarke",
            line1: "14 Gibson Square",
            city: "London",
            postal_code: "N1 0RD",
            region: None,
            country: "GB",
        },
    },
];

/// How a past order ends up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    Pending,
    Paid,
    Shipped,
    Delivered,
    /// Cancelled by the customer themselves.
    CancelledByCustomer,
    /// Cancelled by the admin (paid first, then refunded).
    CancelledByAdmin,
}

/// A past order: whose (index in [`CUSTOMERS`]), its lines by SKU, the
/// shipping method (index in [`SHIPPING_METHODS`]), the discount code or not,
/// and where it ends up.
pub(super) struct OrderItem {
    pub customer: usize,
    pub lines: &'static [(&'static str, i64)],
    pub method: usize,
    pub discount: bool,
    pub outcome: Outcome,
}

pub(super) const ORDERS: [OrderItem; 10] = [
    OrderItem {
        customer: 0,
        lines: &[("KIT-MUG-350", 2), ("COF-BEAN-ETH", 1)],
        method: 0,
        discount: false,
        outcome: Outcome::Delivered,
    },
    OrderItem { customer: 0, lines: &[("TEC-HPH-ANC", 1)], method: 1, discount: true, outcome: Outcome::Shipped },
    OrderItem {
        customer: 0,
        lines: &[("STA-NTB-A5", 3), ("STA-PEN-FTN", 1)],
        method: 0,
        discount: false,
        outcome: Outcome::Paid,
    },
    OrderItem {
        customer: 0,
        lines: &[("OUT-BAG-28L", 1), ("OUT-BTL-750", 1)],
        method: 0,
        discount: false,
        outcome: Outcome::Pending,
    },
    OrderItem {
        customer: 0,
        lines: &[("HOM-CND-CED", 2)],
        method: 0,
        discount: false,
        outcome: Outcome::CancelledByCustomer,
    },
    OrderItem {
        customer: 1,
        lines: &[("KIT-KNF-CHEF", 1), ("KIT-BRD-OAK", 1)],
        method: 2,
        discount: true,
        outcome: Outcome::Delivered,
    },
    OrderItem {
        customer: 1,
        lines: &[("TOY-GAM-BRD", 1), ("TOY-PUZ-1000", 1)],
        method: 2,
        discount: false,
        outcome: Outcome::Shipped,
    },
    OrderItem {
        customer: 1,
        lines: &[("TEA-SEN-100", 2), ("TEA-EARL-100", 1)],
        method: 2,
        discount: false,
        outcome: Outcome::Paid,
    },
    OrderItem { customer: 1, lines: &[("BOK-NOV-SEA", 1)], method: 2, discount: false, outcome: Outcome::Pending },
    OrderItem {
        customer: 1,
        lines: &[("HOM-LMP-DESK", 1)],
        method: 2,
        discount: false,
        outcome: Outcome::CancelledByAdmin,
    },
];

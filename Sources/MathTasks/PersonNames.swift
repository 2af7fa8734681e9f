/// The first names a variant may rename, and rename to: common in GSM8K train questions, split by the pronouns they
/// usually take so that "her" and "his" still fit after renaming. Names that are also ordinary words or months
/// (May, June, Rose, Grace, Penny, Will…) and names used for anyone (Alex, Sam, Jordan…) are left out, so the
/// lookup never renames a word that is not a person.
public enum PersonNames {
    public static let female = """
        Mary Sarah Janet Jane Jenny Carla Martha Lisa Anna Sally Emily Betty Karen Jill Susan Maria Tina Rachel Alice \
        Hannah Annie Julia Nancy Amanda Jenna Jessica Megan Amy Monica Lily Beth Lucy Carrie Emma Sara Janice Kate Gina \
        Kendra Julie Mandy Ann Angela Brenda Linda Nina Katie Donna Stephanie Stacy Carly Jennifer Madeline Laura Kayla \
        Cindy Kylie Barbara Leila Samantha Marcy Michelle Sandra Brittany Nicole Bella Tara Elsa Anne Rebecca Dorothy \
        Diane Elizabeth Wendy Haley Susie Luna Tracy Jasmine Melissa Ella Tiffany Peggy Olivia Danielle Lola Becky \
        Claire Veronica Polly Shelly Joan Cheryl Rita Christine Diana Helen Mabel Maggie Layla Tonya Erin Greta Paula \
        Sophie Allison Talia Milly Christina Sheila Sabrina Natalie Marla Tanya Lydia Kelsey Tammy Clara Carol Abigail \
        Carmen Patricia Erica Marie Maya Molly Marta Gretchen Zoe Alyssa Cathy Miriam Fiona Pauline Theresa Tabitha \
        Ashley Marcia Cynthia Amelia Charlotte Kira Rhonda Lara Isabella Ellen Kristin Gloria Lucille Lana Connie \
        Melanie Andrea Wanda Louise Phoebe Brooke Kathleen Betsy Lindsey Mona Lena Stella Angie Alison Alexa Nora \
        Margaret Genevieve Victoria Edna Doris Giselle Teresa Josie Alma Selena Chloe Bethany Matilda Lauren Leah \
        Irene Ellie Valerie Rosie Ursula Katrina Ruth Belinda Fernanda Anya Alicia Olga Natalia Priya Aisha Mei Yuki \
        Fatima Sofia Elena Ingrid Leticia
        """.split(separator: " ").map(String.init)

    public static let male = """
        John James Tom Mark Bob Jack Bill Mike Peter Jerry Jason Matt Tim Harry Michael Joe Jim Billy Tony Frank Ben \
        Steve Paul Jake Andrew Jacob Max Adam Jackson Carl Jimmy Josh Ryan Jeff Andy Kevin Randy George Kyle Greg Ken \
        Henry Brian Marcus Thomas Rick Johnny Tommy David Gerald Bobby Samuel Roger Toby Fred Oliver Caleb Leo Simon \
        William Jeremy Patrick Martin Pete Aaron Manny Brandon Joseph Dave Carlos Alan Daniel Gary Robert Eric Jose \
        Justin Joey Barry Trevor Steven Dan Austin Brad Tyler Mason Lucas Rob Luke Phil Nathan Danny Connor Bert Albert \
        Ralph Derek Ted Bryan Anthony Sammy Matthew Jon Hank Neil Bruce Noah Larry Jerome Mario Ian Kenny Juan Ivan Sean \
        Ron Nick Diego Charles Richard Jayden Javier Arthur Cole Kenneth Marco Maurice Blake Calvin Joel Olaf Shane Zach \
        Don Jared Hans Todd Timothy Brendan Christopher Alexander Dean Perry Benjamin Freddy Scott Ahmed Mitchell Dexter \
        Nate Phillip Chad Micah Stan Grayson Trey Antonio Victor Pablo Xavier Theo Joshua Harold Dante Jorge Ernie \
        Reggie Rodney Travis Timmy Evan Hugo Zachary Devin Dennis Philip Keanu Malcolm Alvin Hasan Barney Fabian Gabriel \
        Tobias Keith Oscar Lance Louie Roy Quincy Cody Rudy Zack Walter Gordon Markus Robbie Mitch Corey Louis Levi \
        Mickey Marvin Archie Moses Roberto Jonah Edward Eugene Julian Tyson Troy Stephen Vincent Julio Raj Wei Kenji \
        Omar Mateo Luis
        """.split(separator: " ").map(String.init)

    /// Whether a name takes "she/her" (true) or "he/his" (false); nil for a word that is not in either list.
    public static func isFemale(_ word: Substring) -> Bool? {
        if femaleSet.contains(word) { return true }
        if maleSet.contains(word) { return false }
        return nil
    }

    private static let femaleSet = Set(female.map { Substring($0) })
    private static let maleSet = Set(male.map { Substring($0) })

    /// The listed names of `text` (whole words, case as listed) in order of first appearance.
    public static func find(in text: String) -> [String] {
        var names: [String] = []
        forEachWord(in: text) { word, _ in
            if isFemale(word) != nil, !names.contains(where: { $0 == word }) { names.append(String(word)) }
        }
        return names
    }

    /// `text` with whole words replaced by `map` (`Natalia's` → `Priya's`; `Annabel` is not `Anna`).
    public static func replacingWords(in text: String, _ map: [String: String]) -> String {
        guard !map.isEmpty else { return text }
        var out = ""
        var last = text.startIndex
        forEachWord(in: text) { word, range in
            if let new = map[String(word)] {
                out += text[last..<range.lowerBound]
                out += new
                last = range.upperBound
            }
        }
        return out + text[last...]
    }

    /// Runs of letters.
    private static func forEachWord(in text: String, _ body: (Substring, Range<String.Index>) -> Void) {
        var i = text.startIndex
        while i < text.endIndex {
            guard text[i].isLetter else { i = text.index(after: i); continue }
            var end = i
            while end < text.endIndex, text[end].isLetter { end = text.index(after: end) }
            body(text[i..<end], i..<end)
            i = end
        }
    }
}

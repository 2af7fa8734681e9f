import Foundation
import MathTasks

/// Real GSM8K train problems, copied verbatim from data/gsm8k/train.jsonl (the JSON line as stored; `line` is its
/// 0-based line), for tests that must not need the data directory.
enum GSM8KSamples {
    static let natalia = problem(0, #"{"question": "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?", "answer": "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nNatalia sold 48+24 = <<48+24=72>>72 clips altogether in April and May.\n#### 72"}"#)
    static let weng = problem(1, #"{"question": "Weng earns $12 an hour for babysitting. Yesterday, she just did 50 minutes of babysitting. How much did she earn?", "answer": "Weng earns 12/60 = $<<12/60=0.2>>0.2 per minute.\nWorking 50 minutes, she earned 0.2 x 50 = $<<0.2*50=10>>10.\n#### 10"}"#)
    static let betty = problem(2, #"{"question": "Betty is saving money for a new wallet which costs $100. Betty has only half of the money she needs. Her parents decided to give her $15 for that purpose, and her grandparents twice as much as her parents. How much more money does Betty need to buy the wallet?", "answer": "In the beginning, Betty has only 100 / 2 = $<<100/2=50>>50.\nBetty's grandparents gave her 15 * 2 = $<<15*2=30>>30.\nThis means, Betty needs 100 - 50 - 30 - 15 = $<<100-50-30-15=5>>5 more.\n#### 5"}"#)
    static let james = problem(4, #"{"question": "James writes a 3-page letter to 2 different friends twice a week.  How many pages does he write a year?", "answer": "He writes each friend 3*2=<<3*2=6>>6 pages a week\nSo he writes 6*2=<<6*2=12>>12 pages every week\nThat means he writes 12*52=<<12*52=624>>624 pages a year\n#### 624"}"#)
    static let mark = problem(5, #"{"question": "Mark has a garden with flowers. He planted plants of three different colors in it. Ten of them are yellow, and there are 80% more of those in purple. There are only 25% as many green flowers as there are yellow and purple flowers. How many flowers does Mark have in his garden?", "answer": "There are 80/100 * 10 = <<80/100*10=8>>8 more purple flowers than yellow flowers.\nSo in Mark's garden, there are 10 + 8 = <<10+8=18>>18 purple flowers.\nPurple and yellow flowers sum up to 10 + 18 = <<10+18=28>>28 flowers.\nThat means in Mark's garden there are 25/100 * 28 = <<25/100*28=7>>7 green flowers.\nSo in total Mark has 28 + 7 = <<28+7=35>>35 plants in his garden.\n#### 35"}"#)
    /// Its last annotation, `560//10=56`, is Python's floor division: not calculator arithmetic, so skipped.
    static let chad = problem(394, #"{"question": "Chad sandwiches 2 crackers with a scoop of peanut butter.  He has 5 of these crackers a night before bed.  A box of crackers has 4 sleeves with each sleeve holding 28 crackers.  How many nights will 5 boxes of crackers last him?", "answer": "Chad uses 2 crackers for each \"sandwich\" and has 5 sandwiches a night so he eats 2*5 = <<2*5=10>>10 crackers a night\nThe box has 4 sleeves of crackers and each sleeve has 28 crackers for a total of 4*28 = <<4*28=112>>112 crackers\n1 box has 112 crackers so 5 boxes will have 112*5 = <<112*5=560>>560 crackers\nHe eats 10 crackers a night and 5 boxes have 560 crackers so they will last him 560//10 = <<560//10=56>>56 nights\n#### 56"}"#)
    /// "18+5=23 years" is worked out in the prose without an annotation: 23 is a constant of the chain.
    static let mother = problem(4970, #"{"question": "5 years ago, a mother was twice as old as her daughter. If the mother is 41 years old now, how old will the daughter be in 3 years?", "answer": "The mother is 41 years old now, so 5 years ago she was 41-5=<<41-5=36>>36 years old\nAt that time the daughter's age was half hers so the daughter was 36/2=<<36/2=18>>18 years old\nNow (5 years after that time) the daughter is 18+5=23 years old\nIn 3 years, the daughter will be 23+3=<<23+3=26>>26 years old\n#### 26"}"#)
    /// The 4 sides of a square are also the question's "4 pentagons".
    static let bill = problem(4829, #"{"question": "After geometry class, Bill wants to count how many lines he drew. For each shape, he drew one line per side. If he drew 12 triangles, 8 squares, and 4 pentagons, how many lines did he draw?", "answer": "For the triangles, he drew 36 lines because 12 times 3 equals <<12*3=36>>36.\nFor the squares, he drew 32 lines because 8 times 4 equals <<8*4=32>>32.\nFor the pentagons, he drew 20 lines because 4 times 5 equals <<4*5=20>>20.\nHe drew 88 lines in total because 36 plus 32 plus 20 equals <<36+32+20=88>>88.\n#### 88"}"#)

    static let all = [natalia, weng, betty, james, mark, chad, mother, bill]

    private static func problem(_ line: Int, _ json: String) -> GSM8KProblem {
        let object = try! JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: String]
        return GSM8KProblem(line: line, question: object["question"]!, answer: object["answer"]!)
    }
}

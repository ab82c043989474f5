namespace Carebase.Bench;

/// <summary>
/// Names as a real population has them: thousands of surnames and given names across cultures, drawn
/// with a Zipf-like frequency (rank r weighs 1/(r + q), q set so the commonest surname is about 1% of people),
/// so most surnames are rare and a few are common. Each culture's real common names come first; its naming
/// patterns (patronymics, particles, compounds, syllables) make the long tail, including hyphenated,
/// apostrophe and multi-word names. Deterministic: the same seed gives the same names.
/// </summary>
public sealed class RealisticNames
{
    sealed record Culture(string Name, string[] Last, string[] Female, string[] Male);

    static readonly Culture[] Cultures = Build();

    readonly (string Name, int Culture)[] _surnames;
    readonly double[] _surnameCdf;
    readonly (string[] Female, string[] Male, double[] FemaleCdf, double[] MaleCdf)[] _given;

    public int SurnameCount => _surnames.Length;
    public int GivenNameCount { get; }
    /// <summary>The commonest surname's share of people.</summary>
    public double TopSurnameShare { get; }

    public RealisticNames()
    {
        // Interleave the cultures by rank, so every culture has common names near the top of the whole list.
        var lists = Cultures.Select((c, i) => c.Last.Distinct().Select(n => (n, i)).ToList()).ToList();
        var merged = new List<(string, int)>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var rank = 0; lists.Any(l => rank < l.Count); rank++)
            foreach (var l in lists)
                if (rank < l.Count && seen.Add(l[rank].n)) merged.Add(l[rank]);
        _surnames = [.. merged];
        var q = QFor(_surnames.Length, 0.01);
        _surnameCdf = Cdf(_surnames.Length, q);
        TopSurnameShare = _surnameCdf[0];
        _given = Cultures.Select(c =>
        {
            var f = c.Female.Distinct().ToArray();
            var m = c.Male.Distinct().ToArray();
            return (f, m, Cdf(f.Length, QFor(f.Length, 0.03)), Cdf(m.Length, QFor(m.Length, 0.03)));
        }).ToArray();
        GivenNameCount = _given.SelectMany(g => g.Female.Concat(g.Male)).Distinct().Count();
    }

    public (string First, string Last) Next(Random rng, bool female)
    {
        var (last, culture) = _surnames[Pick(_surnameCdf, rng)];
        var g = _given[culture];
        var first = female ? g.Female[Pick(g.FemaleCdf, rng)] : g.Male[Pick(g.MaleCdf, rng)];
        return (first, last);
    }

    static int Pick(double[] cdf, Random rng)
    {
        var i = Array.BinarySearch(cdf, rng.NextDouble());
        return Math.Min(i < 0 ? ~i : i, cdf.Length - 1);
    }

    static double[] Cdf(int n, double q)
    {
        var w = Enumerable.Range(1, n).Select(r => 1.0 / (r + q)).ToArray();
        var total = w.Sum();
        var cdf = new double[n];
        double acc = 0;
        for (var i = 0; i < n; i++) cdf[i] = acc += w[i] / total;
        return cdf;
    }

    /// <summary>The offset q that gives rank 1 about <paramref name="top"/> of the weight (bisection).</summary>
    static double QFor(int n, double top)
    {
        double lo = 0, hi = n;
        for (var i = 0; i < 60; i++)
        {
            var mid = (lo + hi) / 2;
            var share = 1.0 / (1 + mid) / Enumerable.Range(1, n).Sum(r => 1.0 / (r + mid));
            if (share > top) lo = mid; else hi = mid;
        }
        return (lo + hi) / 2;
    }

    /// <summary>Names separated by spaces; '_' joins the words of one name ("van_der_Berg").</summary>
    static string[] Split(string s) => s.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(n => n.Replace('_', ' ')).ToArray();

    static IEnumerable<string> Cross(string prefixes, string suffixes) =>
        from p in Split(prefixes) from s in Split(suffixes) select p + s;

    static Culture[] Build()
    {
        var english = Split("Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore Jackson Martin Lee Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright Scott Hill Green Adams Baker Nelson Carter Mitchell Roberts Turner Phillips Campbell Parker Evans Edwards Collins Stewart Morris Murphy Cook Rogers Morgan Cooper Peterson Bailey Reed Kelly Howard Cox Ward Richardson Watson Brooks Wood James Bennett Gray Hughes Price Sanders Myers Long Ross Foster Powell Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Fisher Vasquez Simmons Graham Marshall Owens Harrison Gibson Wallace Ellis Hamilton")
            .Concat(Cross("Ash Brad Black White Green Stan Hazel Oak Elm Bur Kings Queens Whit Wor Marl Thorn Holl Cran Red Hart Pem Shel Lang Crom Ather Ald Brom Chad Dar Fair Gold Hamp Kent Lind Mid New Nor Pres Rad Sand Sher Stock Tal Wal Wes Wil", "ford ton ley wood field worth by ham well wick stead"))
            .Concat(Cross("Richard Robert Dick Hodg Wat Dav Ter Jack Tom Will Pet Mat Phil Nich Ste Rob Gib Hob", "son s kins"))
            .ToArray();
        var irish = Split("O'Brien O'Neill O'Sullivan O'Connor O'Reilly O'Donnell O'Connell O'Leary O'Shea O'Callaghan O'Mahony O'Keeffe McCarthy McLaughlin McGrath McDonagh McNamara MacDonald MacLeod MacKenzie Murphy Kelly Byrne Ryan Walsh Doyle Lynch Gallagher Quinn Kennedy Fitzgerald Fitzpatrick Brennan Burke Nolan Dunne Kavanagh")
            .Concat(Cross("O' Mc Mac", "Dowd Hara Malley Rourke Toole Driscoll Flaherty Gorman Halloran Keefe Kane Loughlin Grady Mara Brady Carthy Cormack Donald Gowan Guire Intyre Kay Kenna Laren Lean Millan Nally Neil Pherson Quarrie Tavish Vey Ginley Bride Fadden Govern"))
            .ToArray();
        var spanish = Split("García Rodríguez Martínez Hernández López González Pérez Sánchez Ramírez Torres Flores Rivera Gómez Díaz Reyes Morales Cruz Ortiz Gutiérrez Chávez Ramos Ruiz Álvarez Mendoza Castillo Jiménez Moreno Romero Herrera Medina Aguilar Vargas Castro Guzmán Fernández Muñoz Rojas Silva Suárez Delgado Navarro Vega Domínguez Núñez Cabrera Campos Fuentes Carrillo Salazar Mejía Ibarra Soto Acosta Contreras Ríos Figueroa Espinoza Sandoval Guerrero Cortés Ochoa Pacheco Velázquez Lozano Cárdenas Valencia Orozco Maldonado")
            .Concat(from a in Split("García López Martínez Sánchez Pérez Gómez Ruiz Díaz Romero Torres") from b in Split("Ramos Vega Castro Ortiz Navarro Molina Serrano Blanco") select $"{a}-{b}")
            .Concat(Split("de_la_Cruz de_la_Fuente del_Río de_León de_la_Torre de_los_Santos"))
            .ToArray();
        var portuguese = Split("Silva Santos Oliveira Souza Rodrigues Ferreira Alves Pereira Lima Gomes Costa Ribeiro Martins Carvalho Almeida Lopes Soares Fernandes Vieira Barbosa Rocha Dias Nascimento Andrade Moreira Nunes Marques Machado Mendes Freitas Cardoso Ramos Gonçalves Santana Teixeira Araújo Pinto Correia Cavalcanti Monteiro Moura Cunha Batista Azevedo");
        var italian = Split("Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti De_Luca Mancini Costa Giordano Rizzo Lombardi Moretti Barbieri Fontana Santoro Mariani Rinaldi Caruso Ferrara Galli Martini Leone Longo Gentile Martinelli Vitale Lombardo Serra Coppola De_Santis D'Angelo Marchetti Parisi Villa Conte Ferraro Ferri Fabbri Bianco Marini Grasso Valentini Messina Sala De_Angelis Gatti Pellegrini Palumbo Sanna Farina Rizzi Monti Cattaneo Morelli Amato Silvestri Mazza Testa Grassi Pellegrino Carbone Giuliani Benedetti Barone D'Amico Orlando");
        var french = Split("Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefèvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard André Lefebvre Mercier Dupont Lambert Bonnet François Martinez Legrand Garnier Faure Rousseau Blanc Guérin Muller Henry Roussel Nicolas Perrin Morin Mathieu Clément Gauthier Dumont Lopez Fontaine Chevalier Robin Masson Sanchez Gérard Nguyen Boyer Denis Lemaire Duval Joly Gautier Roger Roche Roy Noël Meyer Lucas Meunier Jean Perez Marchand Dufour Blanchard Marie Barbier Brun Dumas Brunet Schmitt Leroux Colin Fernandez Pierre Renard Arnaud Rolland Caron Aubert Giraud Leclerc Vidal Bourgeois Renaud Lemoine Picard Gaillard Philippe Leclercq Lacroix Fabre Dupuis Olivier Rodriguez Da_Silva Hubert Louis Charles Guillot Rivière Le_Gall Guillaume Adam Rey Moulin Gonzalez Berger Lecomte Menard Fleury Deschamps Carpentier Julien Benoit Paris Maillard Marchal Aubry Vasseur Le_Roux Renault Jacquet Collet Prevost Poirier Charpentier Royer Huet Baron Dupuy Pons Paul Laine Carré Breton Rémy Schneider Perrot Guyot Barre Marty Cousin");
        var german = Split("Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann Lange Schmitt Werner Schmitz Krause Meier Lehmann Schmid Schulze Maier Köhler Herrmann König Walter Mayer Huber Kaiser Fuchs Peters Lang Scholz Möller Weiß Jung Hahn Schubert Vogel Friedrich Keller Günther Frank Berger Winkler Roth Beck Lorenz Baumann Franke Albrecht Schuster Simon Ludwig Böhm Winter Kraus Martin Schumacher Krämer Vogt Stein Jäger Otto Sommer Groß Seidel Heinrich Brandt Haas Schreiber Graf Schulte Dietrich Ziegler Kuhn Kühn Pohl Engel Horn Busch Bergmann Thomas Voigt Sauer Arnold Wolff Pfeiffer")
            .Concat(Cross("Alt Berg Blum Brand Eisen Feld Gold Grün Hoch Kirsch Lichten Linden Mittel Rosen Silber Stein Tannen Wald Weiss Wiesen", "berg stein feld mann thal bach hof"))
            .ToArray();
        var dutch = Split("de_Jong Jansen de_Vries van_den_Berg van_Dijk Bakker Janssen Visser Smit Meijer de_Boer Mulder de_Groot Bos Vos Peters Hendriks van_Leeuwen Dekker Brouwer de_Wit Dijkstra Smits de_Graaf van_der_Meer van_der_Linden Kok Jacobs de_Haan Vermeulen van_den_Heuvel van_der_Veen van_den_Broek de_Bruijn de_Bruin van_der_Heijden Schouten van_Beek Willems van_Vliet van_de_Ven Hoekstra Maas Verhoeven Koster van_Dam van_der_Wal Prins Blom Huisman Peeters de_Jonge Kuipers van_Wijk Post Kuiper Veenstra Kramer van_den_Brink Scholten van_Wijngaarden Martens Vonk van_der_Berg van_der_Laan")
            .Concat(Cross("van_der_", "Berg Laan Wal Veen Meer Linden Heijden Velde Zee Molen Horst Pol Sluis Kamp Leij Plas Hoeven Ploeg"))
            .ToArray();
        var nordic = Split("Johansson Andersson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson Gustafsson Pettersson Jonsson Jansson Hansson Bengtsson Jönsson Lindberg Jakobsson Magnusson Olofsson Lindström Lindqvist Lindgren Berg Axelsson Bergström Lundberg Lundgren Lind Mattsson Berglund Fredriksson Sandberg Henriksson Forsberg Sjöberg Wallin Engström Eklund Danielsson Lundin Håkansson Björk Bergman Gunnarsson Holm Wikström Samuelsson Isaksson Fransson Bergqvist Nyström Holmberg Arvidsson Löfgren Söderberg Nyberg Blomqvist Claesson Nordström Mårtensson Lundström Hansen Nielsen Jensen Pedersen Andersen Christensen Larsen Sørensen Rasmussen Jørgensen Petersen Madsen Kristensen Olsen Thomsen Christiansen Poulsen Johansen Møller Mortensen")
            .Concat(Cross("Ak Alf Arn Bjør Dag Ein Erl Gun Hal Hel Ing Jør Knut Lei Mag Odd Ol Rag Sig Stein Svein Tor Ulf Vid", "sen son sson dal strand vik"))
            .ToArray();
        var slavic = Split("Ivanov Smirnov Kuznetsov Popov Vasiliev Petrov Sokolov Mikhailov Novikov Fedorov Morozov Volkov Alekseev Lebedev Semenov Egorov Pavlov Kozlov Stepanov Nikolaev Orlov Andreev Makarov Nikitin Zakharov Zaitsev Soloviev Borisov Yakovlev Grigoriev Romanov Vorobiev Sergeev Kuzmin Frolov Aleksandrov Dmitriev Korolev Gusev Kiselev Ilyin Maksimov Polyakov Sorokin Vinogradov Kovalev Belov Medvedev Antonov Tarasov Zhukov Baranov Filippov Komarov Davydov Belyaev Gerasimov Bogdanov Osipov Sidorov Matveev Titov Markov Mironov Krylov Kulikov Karpov Vlasov Melnikov Denisov Gavrilov Tikhonov Kazakov Afanasiev Danilov Savelyev Timofeev Fomin Chernov Abramov Martynov Efimov Fedotov Shcherbakov Nazarov Kalinin Isaev Chernyshev Bykov Maslov Rodionov Konovalov Lazarev Voronin Klimov Filatov Ponomarev Golubev Kudryavtsev Prokhorov Naumov Potapov Zhuravlev Ovchinnikov Trofimov Leonov Sobolev Ermakov Kolesnikov Goncharov Emelyanov Nikiforov Grachev Kotov Grishin Efremov Arkhipov Gromov Kirillov Malyshev Panov Moiseev Rumyantsev Akimov Kondratiev Biryukov Gorbunov Anisimov Eremin Tikhomirov Galkin Lukyanov Mikheev Skvortsov Yudin Belousov Nesterov Simonov Prokofiev Kharitonov Knyazev Tsvetkov Levin Mitrofanov Voronov Aksenov Sofronov Maltsev Loginov Gorshkov Savin Krasnov Mayorov Demidov Eliseev Rybakov Safonov Plotnikov Demin Khokhlov Zhdanov")
            .Concat(Split("Shevchenko Kovalenko Bondarenko Tkachenko Kravchenko Oliynyk Shevchuk Koval Polishchuk Bondar Tkachuk Moroz Marchenko Lysenko Rudenko Savchenko Petrenko Klymenko Pavlenko Kovalchuk Kuzmenko Ponomarenko Kharchenko Levchenko Karpenko Vasylenko Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński Szymański Woźniak Dąbrowski Kozłowski Jankowski Mazur Kwiatkowski Krawczyk Piotrowski Grabowski Nowakowski Pawłowski Michalski Nowicki Adamczyk Dudek Zając Wieczorek Jabłoński Król Majewski Olszewski Jaworski Wróbel Malinowski Pawlak Witkowski Walczak Stępień Górski Rutkowski Michalak Sikora Ostrowski Baran Duda Szewczyk Tomaszewski Pietrzak Marciniak Wróblewski Zalewski Jakubowski Jasiński Zawadzki Sadowski Bąk Chmielewski Włodarczyk Borkowski Czarnecki Sawicki Sokołowski Urbański Kubiak Maciejewski Szczepański Kucharski Wilk Kalinowski Lis Mazurek Wysocki Adamski Kaźmierczak Wasilewski Sobczak Czerwiński Andrzejewski Cieślak Głowacki Zakrzewski Kołodziej Sikorski Krajewski Gajewski Szymczak Szulc Baranowski Laskowski Brzeziński Makowski Ziółkowski Przybylski"))
            .Concat(Cross("Bel Bog Chern Dobr Gol Kras Lis Medv Nov Orl Pesh Rad Sed Star Ternov Vol Zel Zhel Zolot Sokol", "ov ova enko sky ski chuk yak in"))
            .ToArray();
        var arabic = Split("Al-Sayed Al-Hashimi Al-Masri Al-Khatib Al-Najjar Al-Rashid Al-Farsi Al-Tamimi Al-Qahtani Al-Ghamdi Al-Zahrani Al-Harbi Al-Otaibi Al-Shammari Al-Dosari Al-Mutairi Al-Anazi Al-Shehri Al-Amri Al-Balushi Abdel-Rahman Abdel-Aziz Abdel-Malek Abdel-Nour Abdullah Haddad Khalil Nasser Hussein Hassan Ibrahim Mahmoud Mustafa Saleh Salem Ahmed Ali Omar Youssef Khoury Saad Mansour Aziz Farouk Karim Rahman Hamdan Bakr Darwish Sabbagh Shaheen Haddad Jaber Nassar Qasim Sultan Taha Zaki El-Amin El-Sayed El-Masry El-Khoury")
            .Concat(Cross("Al- El- Abu_", "Amin Bakri Dabbagh Fayed Habib Hakim Hamad Hariri Jamal Kabir Khalifa Latif Mahdi Majid Nabulsi Nouri Qadi Rahim Rifai Saadi Said Shami Sharif Tahir Wahab Yasin Zayed Zein"))
            .ToArray();
        var turkishPersian = Split("Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Özdemir Arslan Doğan Kılıç Aslan Çetin Kara Koç Kurt Özkan Şimşek Polat Özcan Korkmaz Çakır Erdoğan Yavuz Can Acar Şen Aktaş Güler Yalçın Güneş Bozkurt Bulut Keskin Ünal Turan Gül Özer Işık Kaplan Avcı Sarı Tekin Taş Köse Yüksel Ateş Aksoy Rahimi Hosseini Mohammadi Ahmadi Rezaei Moradi Karimi Jafari Ghasemi Hashemi Sadeghi Rostami Kazemi Mousavi Shirazi Tehrani Esfahani Tabrizi Najafi Hosseinzadeh Alizadeh Rezazadeh Farahani Soltani Bagheri Nazari Heidari Amini Akbari Safavi Sharifi Zamani");
        var southAsian = Split("Sharma Patel Singh Kumar Gupta Shah Mehta Iyer Reddy Nair Rao Joshi Desai Kulkarni Chatterjee Mukherjee Banerjee Bose Das Ghosh Sen Dutta Chakraborty Bhattacharya Pillai Menon Krishnan Subramanian Ramachandran Venkatesan Raman Srinivasan Natarajan Balasubramanian Sundaram Rajagopal Agarwal Jain Malhotra Kapoor Khanna Chopra Bhatia Sethi Arora Saxena Srivastava Mishra Pandey Tiwari Dubey Shukla Tripathi Chauhan Yadav Thakur Verma Sinha Prasad Mahajan Bhatt Trivedi Parikh Chaudhary Naidu Hegde Shetty Kamath Pai Gowda Kaur Gill Sandhu Sidhu Dhillon Grewal Khan Siddiqui Qureshi Ansari Hussain Chaudhry Malik Sheikh Mirza Baig Akhtar Rahman Islam Hossain Uddin Chowdhury Ahmed Begum Perera Fernando Silva Jayawardena Wickramasinghe Bandara Dissanayake")
            .Concat(Cross("Bala Krishna Rama Venkata Subra Ravi Siva Gopala Naga Sri", "murthy swamy chandran nathan krishnan sundaram raman"))
            .ToArray();
        var eastAsian = Split("Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Gao Lin Luo Zheng Liang Xie Song Tang Han Feng Deng Cao Peng Zeng Xiao Tian Dong Pan Yuan Cai Jiang Yu Du Ye Cheng Wei Su Lu Ding Ren Shen Yao Jin Fu Zhong Lu Dai Cui Tan Liao Fan Wan Qiu Jia Xiong Hou Jiang Gu Mao Hao Kong Bai Cui Kang Qin Shi Tao Xiang Mo Fang Yin Duan Lei Qian Tang Hong Long Ouyang Sima Zhuge Chan Wong Lam Cheung Ho Ng Leung Kwok Tsang Chow Lau Kim Lee Park Choi Jung Kang Cho Yoon Jang Lim Han Oh Seo Shin Kwon Hwang Ahn Song Jeon Hong Nguyen Tran Le Pham Hoang Phan Vu Vo Dang Bui Do Ho Ngo Duong Ly Trinh Dinh Truong Luong")
            .Concat(Cross("Yama Ta Wata Naka Ko Sa Ito Kato Yoshi Hayashi Mori Ike Ishi Matsu Ino Kimu Shimi Kiyo Hashi Ue Oka Fuji Nishi Kita Miya Taka Hira Sakura Ono Kawa", "moto naka nabe mura bayashi da kawa yama saki shita no uchi hara ta"))
            .ToArray();
        var african = Split("Okafor Okonkwo Adeyemi Eze Balogun Mensah Diallo Okeke Nwosu Obi Chukwu Nwachukwu Oyelaran Adebayo Afolabi Ogunleye Olawale Oladipo Akinwale Babatunde Abiodun Ogundipe Onyeka Nnamdi Igwe Uche Ikenna Kalu Chinwe Onuoha Owusu Boateng Asante Appiah Osei Agyeman Ofori Darko Acheampong Amoah Kamara Traoré Keita Coulibaly Touré Camara Sow Ndiaye Diop Fall Sy Ba Cissé Konaté Nkosi Dlamini Ndlovu Khumalo Mthembu Zulu Mokoena Mahlangu Sithole Moyo Ncube Banda Phiri Mwale Tembo Mutua Kamau Otieno Ochieng Wanjiru Njoroge Kiprop Kipchoge Mwangi Kariuki Onyango Odhiambo Hailu Tesfaye Bekele Girma Tadesse Alemu Mengistu Haile Abebe Kebede")
            .Concat(Cross("Ade Olu Oye Aki Ogun Ola Ife Ayo Bamide", "yemi wale bayo sola tunde kunle dele femi seun"))
            .Concat(Cross("Chi Nwa Oko Obi Eze Uzo Onye Nna", "nedu kwe ekwe jioke ma ebuka nonso emeka"))
            .ToArray();
        var greekHebrew = Split("Papadopoulos Georgiou Nikolaou Dimitriou Konstantinou Ioannou Christodoulou Vasileiou Papageorgiou Oikonomou Alexandropoulos Karagiannis Papadakis Pappas Angelopoulos Athanasiou Makris Antonopoulos Economou Stavropoulos Cohen Levi Mizrahi Peretz Biton Dahan Avraham Friedman Azoulay Malka Katz Yosef David Ohana Hadad Amar Gabay Ben-David Ben-Haim Ben-Ami Shapiro Goldberg Rosenberg Weiss Schwartz Klein Kaplan Adler Levy Rubin")
            .Concat(Cross("Papa Karam Christo Kosta Mano Vlah Stavro Giann Niko Spyro", "poulos akis idis opoulos ou"))
            .ToArray();

        return
        [
            new("english", english,
                Split("Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty Margaret Sandra Ashley Kimberly Emily Donna Michelle Carol Amanda Dorothy Melissa Deborah Stephanie Rebecca Sharon Laura Cynthia Kathleen Amy Angela Shirley Anna Brenda Pamela Emma Nicole Helen Samantha Katherine Catherine Kathryn Christine Debra Rachel Carolyn Janet Virginia Maria Heather Diane Ruth Julie Olivia Joyce Victoria Kelly Christina Lauren Joan Evelyn Judith Megan Andrea Cheryl Hannah Jacqueline Martha Gloria Teresa Ann Sara Madison Frances Kathy Janice Jean Abigail Alice Judy Sophia Grace Denise Amber Doris Marilyn Danielle Beverly Isabella Theresa Diana Natalie Brittany Charlotte Marie Kayla Alexis Lori Gwendolyn Mary-Kate Chloe Zoe"),
                Split("James Robert John Michael David William Richard Joseph Thomas Charles Christopher Daniel Matthew Anthony Mark Donald Steven Stephen Paul Andrew Joshua Kenneth Kevin Brian George Timothy Ronald Edward Jason Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Jon Stephen Larry Justin Scott Brandon Benjamin Samuel Gregory Alexander Frank Patrick Raymond Jack Dennis Jerry Tyler Aaron Jose Adam Nathan Henry Douglas Zachary Peter Kyle Ethan Walter Noah Jeremy Christian Keith Roger Terry Gerald Harold Sean Austin Carl Arthur Lawrence Dylan Jesse Jordan Bryan Billy Joe Bruce Gabriel Logan Albert Willie Alan Juan Wayne Elijah Randy Roy Vincent Ralph Eugene Russell Bobby Mason Philip Louis Liam Bartholomew")),
            new("irish", irish,
                Split("Siobhan Niamh Aoife Saoirse Ciara Sinéad Aisling Orla Róisín Caoimhe Clodagh Grainne Maeve Mairead Deirdre Eimear Nuala Brid Aine Orlaith Fionnuala Sorcha Mary Bridget Kathleen Margaret Catriona Kirsty Isla Eilidh"),
                Split("Sean Padraig Liam Cian Oisin Darragh Ciaran Eoin Niall Conor Diarmuid Fergal Seamus Donal Cathal Ruairi Tadhg Colm Brendan Declan Kieran Aidan Cormac Eamon Fionn Alasdair Hamish Angus Callum Ewan Lachlan Ruaridh")),
            new("spanish", spanish,
                Split("María Carmen Ana Isabel Laura Lucía Marta Cristina Paula Elena Sara Sofía Valentina Camila Daniela Gabriela Fernanda Alejandra Natalia Andrea Victoria Mariana Ximena Guadalupe Rosa Juana Dolores Pilar Teresa Mercedes Josefa Concepción Inés Catalina Beatriz Adriana Claudia Patricia Verónica Lorena Silvia Raquel Rocío Nuria Montserrat Yolanda Esperanza Luz_María María_José Ana_María"),
                Split("José Antonio Juan Manuel Francisco Luis Javier Miguel Carlos Ángel Jesús David Daniel Pedro Alejandro Rafael Fernando Pablo Jorge Sergio Alberto Diego Andrés Mateo Santiago Sebastián Emiliano Leonardo Matías Nicolás Joaquín Tomás Ricardo Eduardo Roberto Guillermo Ignacio Enrique Raúl Rubén Óscar Víctor Ramón Gonzalo Álvaro Adrián Iván Hugo Marcos Rodrigo Juan_Carlos José_Luis")),
            new("portuguese", portuguese,
                Split("Maria Ana Francisca Antônia Adriana Juliana Márcia Fernanda Patrícia Aline Conceição Beatriz Leonor Inês Matilde Carolina Mariana Gabriela Larissa Letícia Camila Rafaela Luana Tatiana Vitória"),
                Split("João José Antônio Francisco Carlos Paulo Pedro Lucas Luiz Marcos Luís Gabriel Rafael Daniel Marcelo Bruno Eduardo Felipe Raimundo Rodrigo Manuel Tiago Gonçalo Duarte Rui Nuno Vasco Afonso")),
            new("italian", italian,
                Split("Giulia Francesca Chiara Sara Martina Alessandra Valentina Federica Elisa Silvia Giorgia Anna Laura Paola Roberta Simona Elena Lucia Maria Giovanna Rosa Angela Teresa Antonella Serena Beatrice Caterina Ilaria Veronica Claudia"),
                Split("Giuseppe Giovanni Antonio Mario Luigi Francesco Angelo Vincenzo Pietro Salvatore Carlo Franco Domenico Bruno Paolo Michele Giorgio Aldo Sergio Luciano Alessandro Andrea Marco Matteo Lorenzo Leonardo Riccardo Davide Stefano Simone Fabio Massimo Roberto Gianluca")),
            new("french", french,
                Split("Marie Jeanne Françoise Monique Catherine Nathalie Isabelle Sylvie Anne Martine Christine Sophie Valérie Sandrine Céline Élodie Amélie Chloé Camille Léa Manon Inès Juliette Louise Margaux Clémence Aurélie Émilie Hélène Mathilde Pauline Océane"),
                Split("Jean Pierre Michel André Philippe René Louis Alain Jacques Bernard Marcel Daniel Roger Robert Paul Claude Christian Henri Georges Nicolas François Jean-Pierre Jean-Claude Jean-Luc Jean-Marc Julien Thomas Antoine Maxime Alexandre Hugo Théo Lucas Mathis Jérôme Sébastien Olivier Benoît Guillaume")),
            new("german", german,
                Split("Ursula Monika Petra Elisabeth Sabine Renate Helga Karin Brigitte Ingrid Erika Andrea Gisela Claudia Susanne Gabriele Christa Christine Hildegard Anna Birgit Barbara Marianne Heike Julia Katharina Sandra Stefanie Nicole Lena Leonie Hannah Lea Laura Johanna Annika Jana Jürgen Anke Dagmar"),
                Split("Peter Michael Thomas Wolfgang Klaus Jürgen Günter Stefan Hans Uwe Werner Andreas Dieter Frank Horst Manfred Gerhard Bernd Helmut Heinz Walter Karl Jörg Ralf Rainer Dirk Matthias Markus Friedrich Heinrich Lukas Leon Finn Jonas Felix Maximilian Tobias Sebastian Florian Johannes")),
            new("dutch", dutch,
                Split("Anna Maria Johanna Cornelia Wilhelmina Elisabeth Hendrika Geertruida Sanne Lotte Femke Anouk Iris Lisa Fleur Sophie Eva Julia Emma Tess Noor Marloes Inge Ingrid Mieke Annelies Els"),
                Split("Jan Johannes Cornelis Hendrik Willem Pieter Gerrit Jacobus Dirk Adrianus Thijs Daan Sem Lucas Bram Luuk Jesse Ruben Sander Bas Joost Maarten Stijn Wouter Koen Rutger")),
            new("nordic", nordic,
                Split("Anna Eva Maria Karin Sara Kristina Lena Emma Ingrid Elin Sofia Linnéa Astrid Sigrid Freja Maja Ida Signe Solveig Ingeborg Liv Hanne Mette Kirsten Birgitte Sofie Karen Inger"),
                Split("Lars Anders Johan Karl Erik Per Nils Mikael Jan Hans Olof Sven Björn Magnus Gustav Henrik Søren Jens Niels Morten Rasmus Mads Anders Ole Knut Bjørn Håkon Leif Torbjørn Sindre")),
            new("slavic", slavic,
                Split("Anastasia Yekaterina Ekaterina Maria Olga Tatiana Natalia Irina Svetlana Elena Anna Yulia Daria Ksenia Valentina Ludmila Galina Nadezhda Oksana Larisa Alina Polina Sofia Viktoria Małgorzata Agnieszka Zofia Katarzyna Magdalena Joanna Barbara Ewa Krystyna Elżbieta Monika Dorota Natalya Olena Iryna Halyna"),
                Split("Aleksandr Alexander Dmitri Dmitry Sergei Andrei Alexei Ivan Mikhail Nikolai Vladimir Yuri Pavel Oleg Igor Viktor Maxim Artem Roman Evgeny Konstantin Oleksandr Mykola Volodymyr Taras Bohdan Krzysztof Piotr Tomasz Paweł Łukasz Michał Marcin Grzegorz Jakub Adam Wojciech Stanisław")),
            new("arabic", arabic,
                Split("Fatima Aisha Maryam Layla Leila Noor Zainab Khadija Yasmin Amira Huda Rania Salma Hana Dalia Nadia Samira Mona Rana Lina Reem Sara Dina Jamila Nour Farah Hiba Safiya Amal Asma"),
                Split("Mohammed Muhammad Mohamed Mohammad Ahmed Ahmad Ali Omar Umar Youssef Yusuf Ibrahim Khalid Hassan Hussein Mahmoud Mustafa Abdullah Abdulrahman Karim Tariq Samir Walid Nabil Faisal Hamza Bilal Ziad Rami Sami Adel Jamal Nasser Salim Anas")),
            new("turkish-persian", turkishPersian,
                Split("Ayşe Fatma Emine Hatice Zeynep Elif Merve Özlem Esra Büşra Maryam Zahra Fatemeh Narges Sara Leila Niloufar Shirin Parisa Roya Mina Azadeh Golnar Yasaman Hanieh"),
                Split("Mehmet Mustafa Ahmet Ali Hüseyin Hasan İbrahim Murat Emre Burak Can Kemal Hossein Mohammad Reza Ali Amir Mehdi Hamid Saeed Majid Farhad Behnam Kourosh Dariush Arash Babak")),
            new("south-asian", southAsian,
                Split("Priya Ananya Lakshmi Kavya Meera Aisha Pooja Neha Anjali Divya Sunita Anita Kavita Deepa Shreya Riya Aditi Isha Nisha Swati Shalini Rekha Geeta Sita Radha Parvati Harpreet Gurpreet Simran Manpreet Farzana Nasreen Ruksana Tahmina Nusrat Dilani Nirmala Padma Vasanthi Revathi"),
                Split("Arjun Rahul Vikram Sanjay Rohan Aditya Amit Rajesh Suresh Ramesh Mahesh Ganesh Venkatesh Srinivas Krishna Ravi Anil Sunil Vijay Ajay Deepak Manoj Ashok Arun Kiran Naveen Pradeep Sandeep Harpreet Gurpreet Jaspreet Mohammed Imran Farhan Tanvir Rafiq Kamal Nuwan Chaminda")),
            new("east-asian", eastAsian,
                Cross("Xiao Mei Li Yu Hui Jing Ying Yan Hong Lan Xiu Ling Fang Na Ting Qian Wen", "mei li ying hua fang lan jing yan xin yue").Concat(Split("Ji-woo Seo-yeon Min-seo Ha-eun Su-bin Ji-min Ye-jin Hye-jin Eun-ji Yuna Yuki Sakura Aiko Haruka Yui Hina Mio Akari Emi Naomi Thảo Linh Hương Lan Mai Ngọc Trang Hà Thu Hoa")).ToArray(),
                Cross("Wei Jun Hao Lei Ming Jian Zhi Tao Qiang Yong Jie Bo Cheng Xiao Guo Hong", "wei ming jun hao long feng guo hua jie qiang").Concat(Split("Min-jun Seo-jun Do-yun Ji-ho Joon-ho Hyun-woo Sung-min Jae-won Haruto Kenji Takeshi Hiroshi Yuto Sota Ren Daiki Kaito Minh Dũng Quang Tuấn Hùng Nam Long Huy Khoa Phúc")).ToArray()),
            new("african", african,
                Split("Adaeze Chiamaka Funmilayo Ngozi Yetunde Amara Ebere Nneka Chioma Ifeoma Oluwaseun Folake Bukola Titilayo Abimbola Adwoa Akosua Ama Efua Abena Aminata Fatoumata Mariama Awa Thandiwe Nomvula Zanele Lindiwe Tendai Rudo Wanjiru Akinyi Achieng Makena Tigist Meron Hiwot Selam Mekdes"),
                Split("Chinedu Oluwaseun Emeka Tunde Ikenna Kofi Kwame Kwabena Yaw Kojo Chukwuemeka Obinna Uchenna Nnamdi Olumide Babajide Segun Femi Kunle Adebayo Amadou Moussa Ibrahima Mamadou Ousmane Sipho Thabo Bongani Themba Tendai Tatenda Farai Kamau Otieno Kipchoge Dawit Tesfaye Yonas Bereket Abebe")),
            new("greek-hebrew", greekHebrew,
                Split("Maria Eleni Aikaterini Vasiliki Sofia Angeliki Georgia Dimitra Konstantina Christina Ioanna Despina Paraskevi Theodora Anastasia Sarah Rachel Leah Rivka Miriam Shoshana Tamar Noa Yael Talia Avigail Hadas Michal Orly Dafna"),
                Split("Georgios Konstantinos Ioannis Dimitrios Nikolaos Panagiotis Vasileios Christos Athanasios Michail Evangelos Spyridon Andreas Theodoros Stavros David Yosef Moshe Avraham Yitzhak Yaakov Daniel Eitan Noam Ariel Ori Itai Uri Amir Shlomo")),
        ];
    }
}

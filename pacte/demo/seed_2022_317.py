"""Facts of deliberation n°2022-317 (its published text: data/deliberation-2022-317.txt),
written exactly as the text writes them:
the sitting of the conseil départemental of 26 September 2022, its attendance in the seed's
order, the six thematic commissions, the five political groups of the vote."""

import datetime

SITTING_DAY = datetime.date(2022, 9, 26)
PRESIDENT = ("M.", "Jean-Claude LEROY")
SECRETARY = ("M.", "Bruno COUSEIN")
MEMBERS_IN_OFFICE = 78
DELIBERATION_NUMBER = "2022-317"
REPORT_NUMBER = 18
COMMISSIONS_MET_ON = datetime.date(2022, 9, 5)

# The report's own visas (the report and the commissions' opinions are added to them).
VISAS = (
    "Vu le Code Général des Collectivités Territoriales et, notamment, ses articles L.3121-14 et "
    "L.3211-1 ;\n"
    "Vu la délibération n°2018-514 du Conseil départemental en date du 12/11/2018 "
    "« Contractualiser pour mieux appréhender et partager les enjeux de développement et "
    "d'aménagement » ;"
)
# What the report asks the assembly to decide, and the single article of the deliberation.
PROPOSAL = (
    "- d’acter le renouvellement de la contractualisation avec les EPCI, les communes exerçant "
    "des fonctions de centralité et de rayonnement territorial, les associations et syndicats "
    "mixtes selon les modalités reprises dans le présent rapport."
)
DECISION = (
    "D’acter le renouvellement de la contractualisation avec les Etablissements Publics de "
    "Coopération Intercommunale (EPCI), les communes exerçant des fonctions de centralité et de "
    "rayonnement territorial, les associations et syndicats mixtes selon les modalités reprises "
    "au rapport joint à la présente délibération."
)
SIGNATORY = ("La Directrice Générale des Services", "Maryline VINCLAIRE")

# (number, name) as the visas write them, in the order of the visas.
COMMISSIONS = [
    (5, "Solidarité territoriale et partenariats"),
    (1, "Attractivité départementale et emploi"),
    (2, "Solidarités humaines"),
    (3, "Education, culture, sport et citoyenneté"),
    (4, "Equipement et développement des territoires"),
    (6, "Finances et Service Public Départemental"),
]
# The names the report's opinion sentences give, where its capitals differ from the visas'.
REPORT_NAMES = {
    2: "Solidarités Humaines",
    3: "Education, Culture, Sport et Citoyenneté",
}

GROUPS = [
    "Groupe Socialiste, Républicain et Citoyen",
    "Groupe Communiste et Républicain",
    "Groupe Union pour le Pas-de-Calais",
    "Groupe Rassemblement National",
    "Non-Inscrits",
]

PRESENT = [
    ("M.", "Jean-Claude LEROY"),
    ("Mme", "Mireille HINGREZ-CÉRÉDA"),
    ("Mme", "Valérie CUVILLIER"),
    ("M.", "Bertrand PETIT"),
    ("Mme", "Blandine DRAIN"),
    ("M.", "Jean-Marc TELLIER"),
    ("Mme", "Maryse CAUWET"),
    ("M.", "Ludovic LOQUET"),
    ("Mme", "Bénédicte MESSEANNE-GROBELNY"),
    ("M.", "Jean-Claude DISSAUX"),
    ("Mme", "Laurence LOUCHAERT"),
    ("M.", "Laurent DUPORGE"),
    ("Mme", "Karine GAUTHIER"),
    ("M.", "Alain MEQUIGNON"),
    ("Mme", "Evelyne NACHEL"),
    ("Mme", "Florence WOZNY"),
    ("M.", "Jean-Jacques COTTEL"),
    ("Mme", "Caroline MATRAT"),
    ("M.", "Sébastien CHOCHOIS"),
    ("Mme", "Sophie WAROT-LEMAIRE"),
    ("M.", "André KUCHCINSKI"),
    ("M.", "Pierre GEORGET"),
    ("Mme", "Carole DUBOIS"),
    ("M.", "Olivier BARBARIN"),
    ("M.", "Etienne PERIN"),
    ("Mme", "Maryse DELASSUS"),
    ("M.", "Claude BACHELET"),
    ("Mme", "Maïté MULOT-FRISCOURT"),
    ("M.", "Bruno COUSEIN"),
    ("Mme", "Emmanuelle LAPOUILLE"),
    ("M.", "Alexandre MALFAIT"),
    ("Mme", "Sylvie MEYFROIDT"),
    ("Mme", "Brigitte PASSEBOSC"),
    ("M.", "Marc SARPAUX"),
    ("Mme", "Marie-Line PLOUVIEZ"),
    ("M.", "Steeve BRIOIS"),
    ("Mme", "Brigitte BOURGUIGNON"),
    ("Mme", "Anouk BRETON"),
    ("M.", "Michel DAGBERT"),
    ("Mme", "Audrey DESMARAI"),
    ("M.", "Alain DE CARRION"),
    ("M.", "Philippe DUQUESNOY"),
    ("Mme", "Delphine DUWICQUET"),
    ("Mme", "Ingrid GAILLARD"),
    ("M.", "Raymond GAQUERE"),
    ("Mme", "Séverine GOSSELIN"),
    ("Mme", "Aline GUILLUY"),
    ("M.", "Sébastien HENQUENET"),
    ("M.", "René HOCQ"),
    ("M.", "Ludovic IDZIAK"),
    ("Mme", "Michèle JACQUET"),
    ("Mme", "Maryse JUMEZ"),
    ("Mme", "Emmanuelle LEVEUGLE"),
    ("Mme", "Geneviève MARGUERITTE"),
    ("M.", "Michel MATHISSART"),
    ("Mme", "Sandra MILLE"),
    ("Mme", "Maryse POULAIN"),
    ("M.", "Benoît ROUSSEL"),
    ("M.", "Jean-Pascal SCALONE"),
    ("Mme", "Véronique THIEBAUT"),
    ("Mme", "Françoise VASSEUR"),
    ("Mme", "Cécile YOSBERGUE"),
    ("Mme", "Zohra OUAGUEF"),
]

EXCUSED = [
    ("M.", "Daniel MACIEJASZ"),
    ("M.", "François LEMAIRE"),
    ("Mme", "Fatima AIT-CHIKHEBBIH"),
    ("Mme", "Stéphanie GUISELAIN"),
    ("M.", "Philippe FAIT"),
    ("M.", "Frédéric MELCHIOR"),
    ("M.", "Ludovic PAJOT"),
    ("Mme", "Nicole CHEVALIER"),
    ("M.", "Jean-Louis COTTIGNY"),
    ("M.", "Jean-Luc DUBAËLE"),
    ("M.", "Guy HEDDEBAUX"),
    ("M.", "Daniel KRUSZKA"),
    ("Mme", "Marine LE PEN"),
    ("M.", "Philippe MIGNONET"),
    ("M.", "François VIAL"),
]

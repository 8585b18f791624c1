// Demo content for the --demo newsroom.
//
// The topics and articles below were written for this demo. They are
// illustrative consumer-health copy, not medical advice, and are not kept
// up to date with prescribing information; a real publication would have
// them written and reviewed by its own clinicians.

package main

import "healthcms/cms"

// demoArticle is one article of the demo newsroom and the state the seed
// takes it to through the editor use-cases.
type demoArticle struct {
	Title      string
	Summary    string
	BodyHTML   string
	Topics     []string        // topic slugs from demoTopics
	References []cms.Reference // cms.Reference{Title, URL, DOI, PMID string}
	// State is the workflow state the seed leaves it in: "published",
	// "published+review" (live, with a newer draft in review), "in_review",
	// "changes_requested", "approved", "scheduled", "draft".
	State string
	// Edit is the newer draft's body for "published+review"; empty otherwise.
	Edit string
	// Comment is the reviewer's comment for "changes_requested" (required there) or an approval note.
	Comment string
}

// demoTopic is a topic of the demo: a term of its medical vocabulary.
// Related names topics earlier in demoTopics (links show both ways).
type demoTopic struct {
	Slug, Name, Kind, Definition, DescriptionHTML string
	Aliases, Related                              []string
}

// Sources cited by more than one demo article.
var (
	// demoRefFDAJAKWarning is the FDA Drug Safety Communication of 1 September
	// 2021 that added the class boxed warning.
	demoRefFDAJAKWarning = cms.Reference{
		Title: "FDA requires warnings about increased risk of serious heart-related events, cancer, blood clots, and death for JAK inhibitors that treat certain chronic inflammatory conditions (FDA Drug Safety Communication, 2021)",
		URL:   "https://www.fda.gov/drugs/drug-safety-and-availability/fda-requires-warnings-about-increased-risk-serious-heart-related-events-cancer-blood-clots-and-death",
	}
	// demoRefORALSurveillance is the tofacitinib safety trial behind that warning.
	demoRefORALSurveillance = cms.Reference{
		Title: "Ytterberg SR, et al. Cardiovascular and Cancer Risk with Tofacitinib in Rheumatoid Arthritis. N Engl J Med 2022;386:316-326 (ORAL Surveillance)",
		URL:   "https://pubmed.ncbi.nlm.nih.gov/35081280/",
		DOI:   "10.1056/NEJMoa2109927",
		PMID:  "35081280",
	}
	// demoRefOCTAVE is the set of phase 3 trials of tofacitinib in ulcerative colitis.
	demoRefOCTAVE = cms.Reference{
		Title: "Sandborn WJ, et al. Tofacitinib as Induction and Maintenance Therapy for Ulcerative Colitis. N Engl J Med 2017;376:1723-1736 (OCTAVE trials)",
		URL:   "https://pubmed.ncbi.nlm.nih.gov/28467869/",
		DOI:   "10.1056/NEJMoa1606910",
		PMID:  "28467869",
	}
	// demoRefBRAVEAA is the pair of phase 3 trials of baricitinib in alopecia areata.
	demoRefBRAVEAA = cms.Reference{
		Title: "King B, et al. Two Phase 3 Trials of Baricitinib for Alopecia Areata. N Engl J Med 2022;386:1687-1699 (BRAVE-AA1 and BRAVE-AA2)",
		URL:   "https://pubmed.ncbi.nlm.nih.gov/35334197/",
		DOI:   "10.1056/NEJMoa2110343",
		PMID:  "35334197",
	}
	// demoRefCDCShingrix is the CDC's page on shingles vaccination.
	demoRefCDCShingrix = cms.Reference{
		Title: "Shingles Vaccination (Centers for Disease Control and Prevention)",
		URL:   "https://www.cdc.gov/shingles/vaccines/index.html",
	}
	// demoRefLabelBaricitinib, demoRefLabelTofacitinib and demoRefLabelUpadacitinib are
	// DailyMed searches for the current US prescribing information.
	demoRefLabelBaricitinib = cms.Reference{
		Title: "Olumiant (baricitinib) prescribing information, DailyMed (U.S. National Library of Medicine)",
		URL:   "https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=baricitinib",
	}
	demoRefLabelTofacitinib = cms.Reference{
		Title: "Xeljanz (tofacitinib) prescribing information, DailyMed (U.S. National Library of Medicine)",
		URL:   "https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=tofacitinib",
	}
	demoRefLabelUpadacitinib = cms.Reference{
		Title: "Rinvoq (upadacitinib) prescribing information, DailyMed (U.S. National Library of Medicine)",
		URL:   "https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=upadacitinib",
	}
)

// demoTopics are the topics of the demo newsroom, in the order the seed
// publishes them.
var demoTopics = []demoTopic{
	{
		Slug:       "jak-inhibitors",
		Name:       "JAK inhibitors",
		Kind:       "drug_class",
		Definition: "a type of targeted medication that blocks specific enzymes involved in immune signaling",
		DescriptionHTML: `<p>Janus kinase (JAK) inhibitors are tablets and creams that calm the immune system by blocking signals inside cells. ` +
			`They treat several inflammatory conditions and carry important safety warnings.</p>`,
		Aliases: []string{"Janus kinase inhibitor", "JAKi"},
	},
	{
		Slug:       "rheumatoid-arthritis",
		Name:       "Rheumatoid arthritis",
		Kind:       "condition",
		Definition: "a chronic disease where the immune system attacks joint lining",
		DescriptionHTML: `<p>Rheumatoid arthritis is a long-term autoimmune disease in which the immune system attacks the lining of the joints, ` +
			`causing pain, swelling and stiffness.</p>`,
		Aliases: []string{"RA"},
		Related: []string{"jak-inhibitors"},
	},
	{
		Slug:       "psoriasis",
		Name:       "Psoriasis",
		Kind:       "condition",
		Definition: "a long-term immune-related skin disease that causes thick, scaly patches",
		DescriptionHTML: `<p>Psoriasis is a long-term immune-related skin disease that causes thick, scaly patches. ` +
			`Some people with psoriasis also develop psoriatic arthritis.</p>`,
		Related: []string{"jak-inhibitors"},
	},
	{
		Slug:            "ulcerative-colitis",
		Name:            "Ulcerative colitis",
		Kind:            "condition",
		Definition:      "a type of inflammatory bowel disease that inflames the lining of the large intestine",
		DescriptionHTML: `<p>Ulcerative colitis is a type of inflammatory bowel disease that causes inflammation and sores in the lining of the large intestine.</p>`,
		Aliases:         []string{"UC"},
		Related:         []string{"jak-inhibitors"},
	},
	{
		Slug:       "alopecia-areata",
		Name:       "Alopecia areata",
		Kind:       "condition",
		Definition: "an autoimmune condition in which the immune system attacks hair follicles",
		DescriptionHTML: `<p>Alopecia areata is an autoimmune condition in which the immune system attacks hair follicles, ` +
			`causing hair to fall out, often in round patches.</p>`,
		Related: []string{"jak-inhibitors"},
	},
	{
		Slug:            "baricitinib",
		Name:            "Baricitinib",
		Kind:            "drug",
		Definition:      "a JAK inhibitor tablet taken once a day for rheumatoid arthritis and severe alopecia areata",
		DescriptionHTML: `<p>Baricitinib (brand name Olumiant) is a once-daily JAK inhibitor tablet.</p>`,
		Aliases:         []string{"Olumiant"},
		Related:         []string{"jak-inhibitors", "rheumatoid-arthritis", "alopecia-areata"},
	},
	{
		Slug:            "tofacitinib",
		Name:            "Tofacitinib",
		Kind:            "drug",
		Definition:      "a JAK inhibitor tablet used for rheumatoid arthritis, psoriatic arthritis and ulcerative colitis",
		DescriptionHTML: `<p>Tofacitinib (brand name Xeljanz) was the first JAK inhibitor approved for rheumatoid arthritis.</p>`,
		Aliases:         []string{"Xeljanz"},
		Related:         []string{"jak-inhibitors", "rheumatoid-arthritis", "ulcerative-colitis"},
	},
	{
		Slug:            "upadacitinib",
		Name:            "Upadacitinib",
		Kind:            "drug",
		Definition:      "a once-daily JAK inhibitor tablet used for several inflammatory conditions",
		DescriptionHTML: `<p>Upadacitinib (brand name Rinvoq) is a once-daily JAK inhibitor tablet.</p>`,
		Aliases:         []string{"Rinvoq"},
		Related:         []string{"jak-inhibitors", "rheumatoid-arthritis", "ulcerative-colitis"},
	},
}

// demoArticles are the articles of the demo newsroom, in the order the
// seed creates them. Between them they cover every workflow state.
var demoArticles = []demoArticle{
	{
		Title:   "JAK inhibitors: the class and its boxed warning",
		Summary: "JAK inhibitors calm inflammation by blocking signals inside immune cells. Here is what they treat and what the FDA's boxed warning about infections, cancer, heart problems, blood clots and death means for you.",
		BodyHTML: `<p><abbr title="Janus kinase">JAK</abbr> inhibitors are medicines that turn down an overactive immune system from inside the cell. ` +
			`Many chemical messengers that drive inflammation, called cytokines, signal through a family of enzymes called Janus kinases. ` +
			`Blocking these enzymes quiets that signal. Most JAK inhibitors are tablets; a few are applied to the skin as a cream.</p>
<h2>What they treat</h2>
<p>Medicines in this class, including tofacitinib, baricitinib and upadacitinib, are used for conditions such as rheumatoid arthritis, psoriatic arthritis, ulcerative colitis, eczema and severe alopecia areata. ` +
			`Which one fits depends on the condition and the treatments you have tried.</p>
<h2>The boxed warning</h2>
<p>In 2021 the U.S. Food and Drug Administration (FDA) added its strongest warning to JAK inhibitors used for chronic inflammatory conditions. ` +
			`It followed a large trial that compared tofacitinib with <abbr title="tumor necrosis factor">TNF</abbr> blockers in people with rheumatoid arthritis who were 50 or older and had at least one heart risk factor. The warning covers:</p>
<ul>
<li><strong>Serious infections</strong>, including tuberculosis and fungal and viral infections</li>
<li><strong>A higher risk of death</strong>, including sudden heart-related death</li>
<li><strong>Cancer</strong>, including lymphoma and lung cancer, especially in current or past smokers</li>
<li><strong>Heart attack and stroke</strong></li>
<li><strong>Blood clots</strong> in the legs, lungs and arteries</li>
</ul>
<p>For arthritis and ulcerative colitis, the FDA limited these medicines to people who have not done well on, or could not take, one or more TNF blockers. ` +
			`Tell your doctor if you smoke or used to, or have had heart problems, a stroke or a blood clot. You can read the <a href="https://www.fda.gov/drugs/drug-safety-and-availability/fda-requires-warnings-about-increased-risk-serious-heart-related-events-cancer-blood-clots-and-death">FDA safety communication</a> online.</p>`,
		Topics:     []string{"jak-inhibitors", "rheumatoid-arthritis"},
		References: []cms.Reference{demoRefFDAJAKWarning, demoRefORALSurveillance},
		State:      "published",
		Comment:    "Approved. Warning items match the 2021 FDA Drug Safety Communication.",
	},
	{
		Title:   "Baricitinib (Olumiant): uses, side effects and safety",
		Summary: "Baricitinib is a once-daily JAK inhibitor tablet for rheumatoid arthritis and severe alopecia areata. Learn how it works, its common side effects and why your kidneys matter.",
		BodyHTML: `<p>Baricitinib (brand name Olumiant) is a once-daily tablet that blocks two members of the Janus kinase family, JAK1 and JAK2. ` +
			`By interrupting signals from several inflammatory messengers, it reduces the immune activity behind joint inflammation and some kinds of hair loss.</p>
<h2>Who it is for</h2>
<p>In the United States, baricitinib is approved for adults with moderately to severely active rheumatoid arthritis who have not done well on one or more TNF blockers, ` +
			`for adults with severe alopecia areata, and for certain adults in hospital with COVID-19. For arthritis it can be taken alone or with methotrexate or similar medicines.</p>
<h2>Side effects</h2>
<p>Common side effects include colds and other upper respiratory infections, headache, nausea, acne and higher cholesterol. ` +
			`Cold sores and shingles can also occur. Blood tests may show changes in white blood cells, liver enzymes or a muscle enzyme.</p>
<p>Like other JAK inhibitors, baricitinib carries a boxed warning about serious infections, death, cancer, heart attack and stroke, and blood clots. ` +
			`Get urgent help for chest pain, sudden shortness of breath, or a swollen, painful leg.</p>
<h2>Your kidneys matter</h2>
<p>Baricitinib leaves the body mainly through the kidneys. Your doctor checks kidney function before and during treatment and may prescribe a lower dose, or a different medicine, if your kidneys are not working well.</p>`,
		Edit: `<p>Baricitinib (brand name Olumiant) is a once-daily tablet that blocks two members of the Janus kinase family, JAK1 and JAK2. ` +
			`By interrupting signals from several inflammatory messengers, it reduces the immune activity behind joint inflammation and some kinds of hair loss.</p>
<h2>Who it is for</h2>
<p>In the United States, baricitinib is approved for adults with moderately to severely active rheumatoid arthritis who have not done well on one or more TNF blockers, ` +
			`for adults with severe alopecia areata, and for certain adults in hospital with COVID-19. For arthritis it can be taken alone or with methotrexate or similar medicines.</p>
<h2>Side effects</h2>
<p>Common side effects include colds and other upper respiratory infections, headache, nausea, acne and higher cholesterol. ` +
			`Cold sores and shingles can also occur. Blood tests may show changes in white blood cells, liver enzymes or a muscle enzyme.</p>
<p>Like other JAK inhibitors, baricitinib carries a boxed warning about serious infections, death, cancer, heart attack and stroke, and blood clots. ` +
			`Get urgent help for chest pain, sudden shortness of breath, or a swollen, painful leg.</p>
<h2>Your kidneys matter</h2>
<p>Baricitinib leaves the body mainly through the kidneys. Your doctor checks kidney function before and during treatment and may prescribe a lower dose, or a different medicine, if your kidneys are not working well.</p>
<h2>Other medicines</h2>
<p>The gout medicine probenecid slows how quickly the kidneys clear baricitinib, which raises the amount in your blood. ` +
			`If you need both, your doctor will usually lower the baricitinib dose. Tell your care team about every medicine and supplement you take.</p>`,
		Topics:     []string{"jak-inhibitors", "rheumatoid-arthritis", "alopecia-areata"},
		References: []cms.Reference{demoRefLabelBaricitinib, demoRefBRAVEAA},
		State:      "published+review",
		Comment:    "Approved. Checked against the current Olumiant prescribing information.",
	},
	{
		Title:   "Tofacitinib (Xeljanz): what to know",
		Summary: "Tofacitinib was the first JAK inhibitor approved for rheumatoid arthritis and is also used for ulcerative colitis. Here is who it is for, its side effects and what the safety trial found.",
		BodyHTML: `<p>Tofacitinib (brand names Xeljanz and Xeljanz XR) was the first JAK inhibitor approved in the United States for rheumatoid arthritis. ` +
			`It mainly blocks JAK1 and JAK3, enzymes that carry signals from inflammatory messengers inside immune cells.</p>
<h2>Who it is for</h2>
<p>Tofacitinib is approved for rheumatoid arthritis, psoriatic arthritis, ankylosing spondylitis, a form of juvenile arthritis, and moderately to severely active ulcerative colitis. ` +
			`For these uses it is meant for people who have not done well on, or could not take, one or more TNF blockers. ` +
			`In ulcerative colitis, people usually start on a higher dose for a limited time and then step down to the lowest dose that keeps the disease under control.</p>
<h2>Side effects</h2>
<p>Common side effects include colds, diarrhea, headache and raised blood pressure. Tofacitinib can raise cholesterol and lower some blood cell counts, so regular blood tests are part of treatment. Shingles is a known risk.</p>
<h2>The safety trial</h2>
<p>A large safety trial, ORAL Surveillance, compared tofacitinib with TNF blockers in people with rheumatoid arthritis aged 50 or older with at least one heart risk factor. ` +
			`The FDA’s review found a higher risk of heart attack, stroke, cancer, blood clots and death with tofacitinib, which led to the boxed warning now shared by the class.</p>
<h2>Other medicines</h2>
<p>Tofacitinib is broken down mainly by the liver enzyme CYP3A4. Some antifungal medicines can raise its level, and the antibiotic rifampin can lower it. Ask your doctor or pharmacist before starting anything new.</p>`,
		Topics:     []string{"jak-inhibitors", "rheumatoid-arthritis", "ulcerative-colitis"},
		References: []cms.Reference{demoRefLabelTofacitinib, demoRefORALSurveillance, demoRefOCTAVE},
		State:      "published",
		Comment:    "Approved.",
	},
	{
		Title:   "Upadacitinib (Rinvoq): uses, side effects and precautions",
		Summary: "Upadacitinib is a once-daily JAK inhibitor for several kinds of arthritis, eczema and inflammatory bowel disease. Learn about its side effects, pregnancy precautions and interactions.",
		BodyHTML: `<p>Upadacitinib (brand name Rinvoq) is an extended-release tablet taken once a day. ` +
			`It acts mostly on JAK1, one member of the Janus kinase family, which relays signals from several inflammatory messengers.</p>
<h2>Who it is for</h2>
<p>In the United States, upadacitinib is approved for several forms of inflammatory arthritis, including rheumatoid arthritis and psoriatic arthritis; ` +
			`for moderate to severe eczema (atopic dermatitis) in adults and children 12 and older; and for ulcerative colitis and Crohn’s disease. ` +
			`For most of these uses it is meant for people who have not done well on TNF blockers or other advanced treatments.</p>
<h2>Side effects</h2>
<p>Common side effects include upper respiratory infections, nausea, cough, fever and higher cholesterol. People treated for eczema may also get acne. ` +
			`The serious risks are those of the class boxed warning: serious infections, including tuberculosis and shingles; a higher risk of death; cancer; heart attack and stroke; and blood clots. ` +
			`Tears in the stomach or intestine have also been reported, so report severe belly pain right away.</p>
<h2>Pregnancy</h2>
<p>Upadacitinib may harm an unborn baby. If you could become pregnant, use effective birth control during treatment and for a time after the last dose, and talk to your doctor before planning a pregnancy.</p>
<h2>Food and other medicines</h2>
<p>Avoid grapefruit and grapefruit juice while taking upadacitinib. Some antifungal medicines and antibiotics can raise its level in the blood, while rifampin and some seizure medicines can lower it.</p>`,
		Topics:     []string{"jak-inhibitors", "rheumatoid-arthritis", "ulcerative-colitis"},
		References: []cms.Reference{demoRefLabelUpadacitinib, demoRefFDAJAKWarning},
		State:      "in_review",
	},
	{
		Title:   "Rheumatoid arthritis: an overview",
		Summary: "Rheumatoid arthritis is an autoimmune disease that inflames the joints and can affect the whole body. Early treatment helps prevent lasting joint damage.",
		BodyHTML: `<p>Rheumatoid arthritis is a long-term autoimmune disease. The immune system attacks the synovium, the thin lining of the joints, ` +
			`making it inflamed and thickened. Over time this can wear away cartilage and bone and change the shape of the joint.</p>
<h2>Symptoms</h2>
<ul>
<li>Painful, swollen, warm joints, often the same joints on both sides of the body</li>
<li>Stiffness that is worst in the morning and can last for hours</li>
<li>Tiredness, low-grade fever and loss of appetite</li>
</ul>
<p>The small joints of the hands, wrists and feet are often affected first. Rheumatoid arthritis can also affect the eyes, lungs, heart and blood vessels. It is more common in women than in men.</p>
<h2>Treatment</h2>
<p>There is no cure, but treatment can control the disease, and starting early helps protect the joints. ` +
			`The main medicines are <abbr title="disease-modifying antirheumatic drugs">DMARDs</abbr>. Methotrexate is usually tried first. ` +
			`If it is not enough, options include biologic medicines such as TNF blockers and targeted tablets such as JAK inhibitors. ` +
			`Pain relievers and short courses of steroids can ease symptoms, and exercise, physical therapy and not smoking help too.</p>
<p>Because rheumatoid arthritis itself raises the risk of heart disease, your care team will also look at blood pressure, cholesterol and smoking. ` +
			`Talk to a rheumatologist about which treatment suits you.</p>`,
		Topics: []string{"rheumatoid-arthritis"},
		References: []cms.Reference{
			{Title: "Rheumatoid Arthritis (National Institute of Arthritis and Musculoskeletal and Skin Diseases)", URL: "https://www.niams.nih.gov/health-topics/rheumatoid-arthritis"},
			{Title: "Rheumatoid Arthritis (MedlinePlus)", URL: "https://medlineplus.gov/rheumatoidarthritis.html"},
		},
		State:   "published",
		Comment: "Approved.",
	},
	{
		Title:   "Psoriasis: causes, symptoms and treatment",
		Summary: "Psoriasis is a common immune-related skin disease that causes scaly patches. It is not contagious, and there are many ways to treat it, from creams to tablets and injections.",
		BodyHTML: `<p>Psoriasis is a long-term disease in which an overactive immune system speeds up the growth of skin cells. ` +
			`Cells build up on the surface and form thick, scaly patches called plaques, most often on the scalp, elbows, knees and lower back. The patches can itch or hurt. ` +
			`Nails may become pitted or thickened.</p>
<p>Psoriasis is <strong>not contagious</strong>. It tends to come and go in flares, which can be set off by stress, infections, skin injuries and some medicines. ` +
			`Some people with psoriasis develop psoriatic arthritis, which causes joint pain and swelling; tell your doctor about any joint symptoms. ` +
			`Psoriasis is also linked to a higher risk of heart disease and diabetes.</p>
<h2>Treatment</h2>
<ul>
<li><strong>Skin treatments</strong>: steroid creams and vitamin D-like creams for mild disease</li>
<li><strong>Light therapy</strong> (phototherapy) given in a clinic</li>
<li><strong>Tablets</strong> such as methotrexate, apremilast and deucravacitinib</li>
<li><strong>Biologic injections</strong> that block specific immune signals</li>
</ul>
<p>Deucravacitinib blocks TYK2, a member of the Janus kinase family. It is approved for moderate to severe plaque psoriasis and works differently from the JAK inhibitors used for arthritis; ` +
			`its label does not carry their boxed warning. For psoriatic arthritis, some JAK inhibitors such as tofacitinib and upadacitinib are an option. ` +
			`A dermatologist can help you weigh the choices.</p>`,
		Topics: []string{"psoriasis", "jak-inhibitors"},
		References: []cms.Reference{
			{Title: "Psoriasis (National Institute of Arthritis and Musculoskeletal and Skin Diseases)", URL: "https://www.niams.nih.gov/health-topics/psoriasis"},
			{Title: "Psoriasis (MedlinePlus)", URL: "https://medlineplus.gov/psoriasis.html"},
			{Title: "Sotyktu (deucravacitinib) prescribing information, DailyMed (U.S. National Library of Medicine)", URL: "https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=deucravacitinib"},
		},
		State:   "published",
		Comment: "Approved.",
	},
	{
		Title:   "Ulcerative colitis: an overview",
		Summary: "Ulcerative colitis is a lifelong inflammatory bowel disease of the large intestine. Treatment aims to calm flares and keep the disease in remission.",
		BodyHTML: `<p>Ulcerative colitis is a type of inflammatory bowel disease. Inflammation and sores (ulcers) form in the inner lining of the large intestine. ` +
			`It usually starts in the rectum and can spread continuously up the colon. It is different from Crohn’s disease, which can affect any part of the digestive tract.</p>
<h2>Symptoms</h2>
<ul>
<li>Diarrhea, often with blood or mucus</li>
<li>An urgent need to go, and belly pain or cramping</li>
<li>Tiredness, weight loss and, in some people, anemia</li>
</ul>
<p>Symptoms usually come and go: flares alternate with periods of remission. Some people also have joint pain, skin rashes or eye inflammation.</p>
<h2>Treatment</h2>
<p>The goal is to bring a flare under control and then keep the disease in remission. Depending on how severe it is, treatment may include:</p>
<ul>
<li>Aminosalicylates such as mesalamine</li>
<li>Short courses of corticosteroids for flares</li>
<li>Immune-modifying medicines, biologic injections or infusions, and tablets such as JAK inhibitors (tofacitinib, upadacitinib)</li>
<li>Surgery to remove the colon, for some people whose disease does not respond or who develop complications</li>
</ul>
<p>Long-standing ulcerative colitis raises the risk of colon cancer, so regular colonoscopy is recommended. Talk to your gastroenterologist about a plan that fits you.</p>`,
		Topics: []string{"ulcerative-colitis", "jak-inhibitors"},
		References: []cms.Reference{
			{Title: "Ulcerative Colitis (National Institute of Diabetes and Digestive and Kidney Diseases)", URL: "https://www.niddk.nih.gov/health-information/digestive-diseases/ulcerative-colitis"},
			{Title: "Ulcerative Colitis (MedlinePlus)", URL: "https://medlineplus.gov/ulcerativecolitis.html"},
			demoRefOCTAVE,
		},
		State:   "approved",
		Comment: "Approved. Accurate and balanced; fine to schedule with the IBD series.",
	},
	{
		Title:   "Alopecia areata and the JAK inhibitors that treat it",
		Summary: "Alopecia areata is an autoimmune condition that causes patchy hair loss. Three JAK inhibitor tablets are now approved for severe cases in the United States.",
		BodyHTML: `<p>Alopecia areata is an autoimmune condition: the immune system attacks the hair follicles, and hair falls out, often in round, smooth patches on the scalp. ` +
			`It can also affect the eyebrows, eyelashes and beard, and some people lose all the hair on the scalp or body. Nails may be pitted. ` +
			`Because the follicles are not destroyed, hair can grow back, but the condition is unpredictable and can return.</p>
<p>Alopecia areata is not contagious and does not make people physically ill, but it can take a real emotional toll. Support groups and counseling can help.</p>
<h2>Treatment</h2>
<p>Smaller patches are often treated with steroid injections or creams. For severe alopecia areata, the FDA has approved three JAK inhibitor tablets:</p>
<ul>
<li><strong>Baricitinib</strong> (Olumiant), for adults, approved in 2022</li>
<li><strong>Ritlecitinib</strong> (Litfulo), for people 12 and older</li>
<li><strong>Deuruxolitinib</strong> (Leqselvi), for adults</li>
</ul>
<p>In trials, many people regrew a large share of their scalp hair, usually over several months. Hair loss may return if treatment stops. ` +
			`These medicines carry the class boxed warning about serious infections, death, cancer, heart attack and stroke, and blood clots, so a dermatologist will go over your health history and order tests before you start.</p>`,
		Topics: []string{"alopecia-areata", "jak-inhibitors"},
		References: []cms.Reference{
			{Title: "Alopecia Areata (National Institute of Arthritis and Musculoskeletal and Skin Diseases)", URL: "https://www.niams.nih.gov/health-topics/alopecia-areata"},
			{Title: "FDA Approves First Systemic Treatment for Alopecia Areata (FDA news release, 2022)", URL: "https://www.fda.gov/news-events/press-announcements/fda-approves-first-systemic-treatment-alopecia-areata"},
			demoRefBRAVEAA,
		},
		State:   "published",
		Comment: "Approved.",
	},
	{
		Title:   "Before you start a JAK inhibitor: tests and vaccines",
		Summary: "Screening tests and up-to-date vaccines make JAK inhibitor treatment safer. Here is what to expect before you start and while you are on treatment.",
		BodyHTML: `<p>Because JAK inhibitors weaken parts of the immune system, your doctor will check for hidden infections and other risks before you start, and repeat some tests during treatment. ` +
			`Exact schedules differ between medicines, so follow the plan your care team gives you.</p>
<table>
<caption>Common checks for JAK inhibitor treatment</caption>
<thead>
<tr><th scope="col">Check</th><th scope="col">Before starting</th><th scope="col">During treatment</th></tr>
</thead>
<tbody>
<tr><td>Tuberculosis (skin or blood test)</td><td>Yes; a hidden infection is usually treated first</td><td>Report cough, fever, night sweats or weight loss</td></tr>
<tr><td>Hepatitis B and C</td><td>Yes</td><td>Extra monitoring if you have had hepatitis B</td></tr>
<tr><td>Blood counts</td><td>Yes</td><td>Repeated regularly</td></tr>
<tr><td>Liver tests</td><td>Yes</td><td>Repeated regularly</td></tr>
<tr><td>Cholesterol</td><td>Yes</td><td>Rechecked in the first few months</td></tr>
<tr><td>Kidney function</td><td>Yes, especially for baricitinib</td><td>As your doctor advises</td></tr>
</tbody>
</table>
<h2>Vaccines</h2>
<p>Ask about bringing your vaccines up to date before your first dose. The recombinant shingles vaccine (Shingrix) is not a live vaccine; ` +
			`it is given as two doses and is recommended for all adults 50 and older and for adults 19 and older whose immune system is or will be weakened by disease or treatment. ` +
			`Live vaccines, such as the MMR and yellow fever vaccines and the nasal flu spray, should generally be avoided during treatment, so plan any you need beforehand.</p>
<h2>Tell your doctor</h2>
<p>Mention any past heart attack, stroke, blood clot or cancer; whether you smoke or used to; any recent travel; and whether you are pregnant, breastfeeding or planning a pregnancy.</p>`,
		Topics:     []string{"jak-inhibitors", "rheumatoid-arthritis"},
		References: []cms.Reference{demoRefLabelTofacitinib, demoRefCDCShingrix},
		State:      "scheduled",
		Comment:    "Approved. Table kept general on purpose; schedules differ by product.",
	},
	{
		Title:   "Drug interactions with JAK inhibitors",
		Summary: "Some antibiotics, antifungals, seizure medicines and the gout drug probenecid change the level of JAK inhibitors in the blood. Here is what to watch for.",
		BodyHTML: `<p>The body clears JAK inhibitors in different ways, so each one has its own interactions. ` +
			`Tofacitinib and upadacitinib are broken down in the liver, mainly by an enzyme called CYP3A4. Baricitinib is cleared mainly by the kidneys, with help from a transporter called OAT3.</p>
<table>
<caption>Examples of interactions (not a complete list)</caption>
<thead>
<tr><th scope="col">JAK inhibitor</th><th scope="col">Interacting medicines (examples)</th><th scope="col">What your doctor may do</th></tr>
</thead>
<tbody>
<tr><td>Tofacitinib</td><td>Ketoconazole and other strong CYP3A4 blockers; fluconazole</td><td>Lower the tofacitinib dose</td></tr>
<tr><td>Upadacitinib</td><td>Strong CYP3A4 blockers such as ketoconazole or clarithromycin; grapefruit</td><td>Lower the dose for some conditions or monitor you more closely; avoid grapefruit</td></tr>
<tr><td>Tofacitinib, upadacitinib</td><td>Strong CYP3A4 inducers such as rifampin</td><td>Avoid the combination, which can make the JAK inhibitor work less well</td></tr>
<tr><td>Baricitinib</td><td>Strong OAT3 blockers such as probenecid</td><td>Lower the baricitinib dose</td></tr>
</tbody>
</table>
<h2>Other combinations</h2>
<p>JAK inhibitors are not meant to be combined with biologic medicines or with strong immune suppressants such as azathioprine or cyclosporine, because the risk of serious infection adds up. ` +
			`Methotrexate is commonly used alongside them for rheumatoid arthritis. Live vaccines should generally be avoided during treatment.</p>
<p>Keep an up-to-date list of all your medicines, including over-the-counter products and herbal supplements such as St John’s wort, and show it to your pharmacist whenever something changes.</p>`,
		Topics: []string{"jak-inhibitors"},
		References: []cms.Reference{
			{Title: "Drug Development and Drug Interactions: Table of Substrates, Inhibitors and Inducers (FDA)", URL: "https://www.fda.gov/drugs/drug-interactions-labeling/drug-development-and-drug-interactions-table-substrates-inhibitors-and-inducers"},
			demoRefLabelTofacitinib,
			demoRefLabelBaricitinib,
		},
		State:   "changes_requested",
		Comment: "Please add a source for the grapefruit advice in the upadacitinib row (the Rinvoq label or Medication Guide would do), and make clear that tofacitinib dose changes with these medicines depend on the condition being treated.",
	},
	{
		Title:   "Shingles and JAK inhibitors",
		Summary: "Shingles is more likely when you take a JAK inhibitor. Vaccination before treatment and fast action at the first sign of a rash can lower the risk of complications.",
		BodyHTML: `<p>Shingles (herpes zoster) is a painful rash caused by the chickenpox virus, which stays asleep in the nerves after chickenpox and can wake up years later. ` +
			`Anything that weakens the immune system makes this more likely, and shingles is a known side effect of JAK inhibitors.</p>
<h2>Signs to watch for</h2>
<ul>
<li>Burning, tingling or pain on one side of the body or face, often a few days before a rash</li>
<li>A band or patch of blisters on one side</li>
<li>Fever, headache or feeling unwell</li>
</ul>
<p>Call your doctor as soon as you notice these signs. Antiviral medicines work best when started early, ideally within three days of the rash appearing. ` +
			`Seek care the same day if the rash is near an eye, if it spreads widely, or if you feel very ill. Your doctor may ask you to pause your JAK inhibitor until the infection clears.</p>
<h2>Prevention</h2>
<p>The recombinant shingles vaccine (Shingrix) is not a live vaccine, so it can be given to people whose immune system is weakened. ` +
			`It is given as two doses, and it is best to get it before you start a JAK inhibitor if you can. The older live shingles vaccine is no longer available in the United States.</p>
<p>Shingles can lead to long-lasting nerve pain, called postherpetic neuralgia. Ask your doctor whether the vaccine is right for you.</p>`,
		Topics: []string{"jak-inhibitors", "rheumatoid-arthritis"},
		References: []cms.Reference{
			{Title: "Shingles (MedlinePlus)", URL: "https://medlineplus.gov/shingles.html"},
			demoRefCDCShingrix,
			{
				Title: "Lal H, et al. Efficacy of an Adjuvanted Herpes Zoster Subunit Vaccine in Older Adults. N Engl J Med 2015;372:2087-2096 (ZOE-50)",
				URL:   "https://pubmed.ncbi.nlm.nih.gov/25916341/",
				DOI:   "10.1056/NEJMoa1501184",
				PMID:  "25916341",
			},
		},
		State: "draft",
	},
	{
		Title:   "Heart attack, stroke and blood clots on a JAK inhibitor: warning signs to know",
		Summary: "JAK inhibitors carry a warning about heart attack, stroke and blood clots. Know the warning signs, and when to call emergency services.",
		BodyHTML: `<p>The boxed warning on JAK inhibitors includes major heart events, such as heart attack and stroke, and blood clots. ` +
			`The risk appears highest in people who are 50 or older with heart risk factors such as high blood pressure, diabetes or high cholesterol, and in current or past smokers. ` +
			`Knowing the warning signs means you can get help fast.</p>
<h2>Get emergency help right away for</h2>
<ul>
<li><strong>Heart attack</strong>: chest pain or pressure, pain spreading to the arm, jaw or back, shortness of breath, a cold sweat or nausea</li>
<li><strong>Stroke</strong>: a drooping face, weakness in an arm or leg, slurred or confused speech, sudden trouble seeing, or a sudden severe headache</li>
<li><strong>A clot in the lungs</strong>: sudden shortness of breath, chest pain that is worse when you breathe in, or coughing up blood</li>
<li><strong>A clot in a leg</strong>: swelling, pain or tenderness, warmth or redness, usually in one leg</li>
</ul>
<blockquote><p>Do not wait to see whether symptoms pass, and do not drive yourself to the hospital.</p></blockquote>
<h2>Lowering your risk</h2>
<p>Quitting smoking is one of the most effective steps you can take. Keep blood pressure, cholesterol and blood sugar under control, stay active, and tell your doctor about any past clot, heart problem or stroke before starting treatment.</p>`,
		Topics:     []string{"jak-inhibitors", "rheumatoid-arthritis"},
		References: []cms.Reference{demoRefFDAJAKWarning, demoRefORALSurveillance},
		State:      "draft",
	},
}
